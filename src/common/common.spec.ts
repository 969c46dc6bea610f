import { BadRequestException } from '@nestjs/common';
import { DomainError } from './errors/domain-error';
import { toErrorResponse } from './errors/error-mapping';
import { maskAccountNumber } from './masking';
import { calendarDate, startOfDay } from './time';

describe('error mapping', () => {
  it('keeps a domain error code and headers', () => {
    const answer = toErrorResponse(new DomainError('SOLD_OUT', 'gone'));
    expect(answer).toMatchObject({ status: 409, body: { statusCode: 409, code: 'SOLD_OUT', message: 'gone' }, unexpected: false });
  });

  it('maps Fastify client errors to 4xx codes', () => {
    expect(toErrorResponse({ statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'too large' }).body.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(toErrorResponse({ statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'x' }).body.code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(toErrorResponse({ statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: 'x' }).status).toBe(400);
    expect(toErrorResponse(new BadRequestException('bad')).body.code).toBe('VALIDATION_FAILED');
  });

  it('turns a lost dependency into 503 with Retry-After', () => {
    for (const error of [
      { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
      { code: '57P01', message: 'terminating' },
      new Error('Connection is closed.'),
    ]) {
      const answer = toErrorResponse(error);
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('SERVICE_UNAVAILABLE');
      expect(answer.headers['Retry-After']).toBeDefined();
    }
  });

  it('never leaks an unexpected error', () => {
    const answer = toErrorResponse(new TypeError('secret internals at /src/x.ts:1'));
    expect(answer).toMatchObject({ status: 500, body: { code: 'INTERNAL_ERROR', message: 'Internal error' }, unexpected: true });
  });
});

describe('masking', () => {
  it('shows only the last four digits of an account', () => {
    expect(maskAccountNumber('6222021234567890123')).toBe('***************0123');
    expect(maskAccountNumber('123')).toBe('****123');
  });
});

describe('campaign time zone', () => {
  it('puts an instant on its local calendar day', () => {
    const lateEvening = new Date('2026-03-01T23:30:00+08:00');
    expect(calendarDate(lateEvening, 'Asia/Shanghai')).toBe('2026-03-01');
    expect(calendarDate(lateEvening, 'UTC')).toBe('2026-03-01');
    expect(calendarDate(new Date('2026-03-02T00:30:00+08:00'), 'UTC')).toBe('2026-03-01');
    expect(startOfDay(lateEvening, 'Asia/Shanghai').toISOString()).toBe('2026-02-28T16:00:00.000Z');
  });
});
