import { randomBytes } from 'node:crypto';

/**
 * Crockford-style base32 without the letters people confuse when reading a code aloud
 * (I, L, O, U): 32 symbols, 5 bits each.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 20 symbols × 5 bits = 100 random bits (guarantee 7 asks for at least 80). */
export const CODE_LENGTH = 20;
const GROUP = 4;

/** A new voucher code from the OS's cryptographic random source, in normalised form. */
export function generateVoucherCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let code = '';
  // 256 is a multiple of 32, so taking each byte modulo 32 has no bias.
  for (const byte of bytes) code += ALPHABET[byte % 32];
  return code;
}

/** "ABCD-EFGH-…" for people; stored and compared in normalised form. */
export function formatVoucherCode(code: string): string {
  return code.match(new RegExp(`.{1,${GROUP}}`, 'g'))?.join('-') ?? code;
}

/**
 * Accepts what a cashier types or a scanner reads: any case, spaces and dashes anywhere,
 * and the look-alikes O→0, I/L→1. Returns undefined when it cannot be a code at all.
 */
export function normaliseVoucherCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (compact.length !== CODE_LENGTH) return undefined;
  for (const symbol of compact) if (!ALPHABET.includes(symbol)) return undefined;
  return compact;
}
