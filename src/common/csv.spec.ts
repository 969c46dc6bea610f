import { CsvCell, csvDocument, inertCell } from './csv';

/** The one data line of a document with header `h`. */
const line = (...cells: CsvCell[]): string => csvDocument(['h'], [cells]).slice('\uFEFFh\r\n'.length);

describe('csvDocument', () => {
  it('starts with a UTF-8 BOM and ends every record, the last too, with CRLF', () => {
    expect(csvDocument(['a', 'b'], [['1', '中文']])).toBe('\uFEFFa,b\r\n1,中文\r\n');
    expect(csvDocument(['a'], [])).toBe('\uFEFFa\r\n');
  });

  it('quotes exactly the fields holding a comma, a quote, CR or LF, doubling quotes', () => {
    expect(line('plain')).toBe('plain\r\n');
    expect(line('a,b')).toBe('"a,b"\r\n');
    expect(line('say "hi"')).toBe('"say ""hi"""\r\n');
    expect(line('two\nlines')).toBe('"two\nlines"\r\n');
    expect(line('cr\rhere')).toBe('"cr\rhere"\r\n');
    expect(line(' spaced ')).toBe(' spaced \r\n');
  });

  it('writes counts as numbers and nothing as an empty cell', () => {
    expect(line(12, -3, 7n, null, undefined, '')).toBe('12,-3,7,,,\r\n');
  });

  it.each([
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+1+2', "'+1+2"],
    ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
  ])('makes the formula %j inert', (cell, written) => {
    expect(line(cell)).toBe(`${written}\r\n`);
  });

  it('leaves plain numbers, negative amounts included, and inner signs alone', () => {
    expect(line('-0.50', '1234.05', 'a=b', 'x-y')).toBe('-0.50,1234.05,a=b,x-y\r\n');
    expect(inertCell('-12')).toBe('-12');
    expect(inertCell('-12e3')).toBe("'-12e3");
  });
});
