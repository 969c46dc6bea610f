import { stringify } from 'csv-stringify/sync';

/** A cell of an export: text, a count, or nothing (an empty cell). */
export type CsvCell = string | number | bigint | null | undefined;

/** A plain decimal number ("12", "-0.50") is data a spreadsheet reads as a number, never a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * A text cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR:
 * OWASP's CSV injection list) is prefixed with an apostrophe so Excel and LibreOffice show it
 * as text. Finance staff open these files, and names come from merchants and operators.
 */
export function inertCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/**
 * Every export's writer (RFC 4180): a UTF-8 byte-order mark (without it Excel opens the file in
 * the local code page and garbles Chinese names), CRLF after every record, a field quoted when
 * it holds a comma, a quote, CR or LF (quotes inside doubled), and every text cell made inert.
 */
export function csvDocument(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return stringify([header, ...rows] as CsvCell[][], {
    bom: true,
    record_delimiter: 'windows',
    // csv-stringify quotes CR or LF only when they are its record delimiter: a lone LF must be quoted too.
    quoted_match: /[\r\n]/,
    cast: { string: inertCell },
  });
}
