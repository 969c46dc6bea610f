/**
 * RFC 4180: records end with CRLF; a field containing a comma, a double quote, CR or LF is
 * enclosed in double quotes, and a double quote inside it is doubled.
 */
export type CsvField = string | number | null | undefined;

export function csvField(value: CsvField): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvDocument(rows: CsvField[][]): string {
  return rows.map((row) => row.map(csvField).join(',') + '\r\n').join('');
}
