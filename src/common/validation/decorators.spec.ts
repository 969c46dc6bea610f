import { codePointLength, parseInstant, textProblem } from './decorators';

describe('textProblem', () => {
  const name = { max: 10 };
  const freeText = { max: 10, min: 0, multiline: true };

  it('accepts plain, Chinese and emoji text within the limit', () => {
    expect(textProblem('Shop 1', name)).toBeUndefined();
    expect(textProblem('聚惠商店', name)).toBeUndefined();
    expect(textProblem('🍜🍜🍜🍜🍜🍜🍜🍜🍜🍜', name)).toBeUndefined();
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['BEL (U+0007)', 'a\u0007b'],
    ['escape', '\u001b[31m'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a line feed in a name', 'a\nb'],
    ['a tab in a name', 'a\tb'],
  ])('refuses %s in a single-line field', (_what, text) => {
    expect(textProblem(text, name)).toBe('must not contain control characters');
  });

  it('allows line feeds and tabs in free text, and no other control character', () => {
    expect(textProblem('one\ntwo\tthree'.slice(0, 10), freeText)).toBeUndefined();
    expect(textProblem('a\u0000b', freeText)).toBe('must not contain control characters other than line feed and tab');
    expect(textProblem('a\rb', freeText)).toBe('must not contain control characters other than line feed and tab');
  });

  it('counts length as PostgreSQL counts varchar(n): code points, variation selectors included', () => {
    // validator.js's isLength (class-validator's MaxLength) does not count U+FE0F: this is 1 to it, 11 to the column.
    const padded = `a${'\uFE0F'.repeat(10)}`;
    expect(codePointLength(padded)).toBe(11);
    expect(textProblem(padded, name)).toBe('must be 1 to 10 characters long');
    expect(textProblem(`a${'\uFE0F'.repeat(9)}`, name)).toBeUndefined();
    // An astral character is two UTF-16 units but one character to the column.
    expect(textProblem('🍜'.repeat(10), name)).toBeUndefined();
    expect(textProblem('🍜'.repeat(11), name)).toBe('must be 1 to 10 characters long');
  });

  it('refuses unpaired surrogates, which UTF-8 cannot encode', () => {
    expect(textProblem('a\ud800b', name)).toBe('must not contain unpaired surrogates');
    expect(textProblem('a\udc00', name)).toBe('must not contain unpaired surrogates');
  });

  it('refuses empty and blank text unless the field may be empty', () => {
    expect(textProblem('', name)).toBe('must be 1 to 10 characters long');
    expect(textProblem('   ', name)).toBe('must not be blank');
    expect(textProblem('', freeText)).toBeUndefined();
  });
});

describe('parseInstant', () => {
  it('reads instants with an offset or Z, seconds and fractions optional', () => {
    expect(parseInstant('2026-01-01T10:00:00+08:00')?.toISOString()).toBe('2026-01-01T02:00:00.000Z');
    expect(parseInstant('2026-01-01T02:00Z')?.toISOString()).toBe('2026-01-01T02:00:00.000Z');
    expect(parseInstant('2026-01-01T02:00:00.123Z')?.toISOString()).toBe('2026-01-01T02:00:00.123Z');
    expect(parseInstant('2028-02-29T00:00:00Z')?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it.each([
    ['no offset', '2026-01-01T10:00:00'],
    ['a date alone', '2026-01-01'],
    ['February 31st', '2027-02-31T00:00:00Z'],
    ['February 29th of a common year', '2027-02-29T00:00:00Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['day 0', '2026-01-00T00:00:00Z'],
    ['hour 24', '2026-01-01T24:00:00Z'],
    ['minute 60', '2026-01-01T10:60:00Z'],
    ['second 60', '2026-01-01T10:00:60Z'],
    ['an offset of 24 hours', '2026-01-01T10:00:00+24:00'],
    ['an offset minute of 60', '2026-01-01T10:00:00+08:60'],
    ['a number', '1767225600000'],
    ['trailing text', '2026-01-01T10:00:00Z junk'],
  ])('refuses %s', (_what, text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});
