import { wantsPrettyLogs } from './logger';

describe('log format', () => {
  it.each([
    ['development', true, true],
    ['test', true, true],
    ['development', false, false],
    ['production', true, false],
    ['production', false, false],
  ] as const)('NODE_ENV=%s, stdout a terminal: %s → readable lines: %s', (nodeEnv, tty, pretty) => {
    expect(wantsPrettyLogs(nodeEnv, tty)).toBe(pretty);
  });
});
