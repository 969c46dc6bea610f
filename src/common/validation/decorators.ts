import { applyDecorators } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsDate, IsInt, IsString, Max, Min, MinDate, ValidateBy, ValidationArguments } from 'class-validator';

/** The largest amount of money the API accepts anywhere: 100 billion yuan, in fen. */
export const MAX_FEN = 10_000_000_000_000;

/** An amount of money in integer fen, within [min, MAX_FEN]. */
export function IsFen(options: { min?: number; max?: number } = {}): PropertyDecorator {
  return applyDecorators(
    IsInt({ message: '$property must be an integer number of fen' }),
    Min(options.min ?? 0),
    Max(options.max ?? MAX_FEN),
  );
}

const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant an ISO 8601 text with an offset names, or undefined when any field is out of
 * range. Date would roll 2027-02-31 over into March and 24:00 into the next day; a caller who
 * wrote an impossible date made a mistake, so every field is checked as written.
 */
export function parseInstant(text: string): Date | undefined {
  const match = ISO_WITH_OFFSET.exec(text);
  if (!match) return undefined;
  // Seconds may be left out; every other field is always matched.
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0));
  const [offsetHours, offsetMinutes] = [Number(match[8] ?? 0), Number(match[9] ?? 0)];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!valid) return undefined;
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

/**
 * An ISO 8601 instant that names its offset ("2026-01-01T10:00:00+08:00" or "…Z").
 * A local time without an offset is ambiguous and refused, as is an impossible date.
 */
export function IsInstant(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (parseInstant(value) ?? value) : value)),
    IsDate({ message: '$property must be a valid ISO 8601 date-time with an offset, e.g. 2026-01-01T10:00:00+08:00' }),
    MinDate(new Date('2000-01-01T00:00:00Z')),
  );
}

/**
 * C0 controls, DEL and C1 controls; free text may keep line feeds and tabs. NUL is refused by
 * PostgreSQL outright (a 500 before this check), the others are invisible in every view and
 * export, so a name or reference carrying them is a mistake or an attack on whoever reads it.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/u;
const CONTROL_CHARACTERS_EXCEPT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;

/** Half of a surrogate pair on its own: not a character, and not encodable as UTF-8. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Characters as PostgreSQL counts them in varchar(n): code points, not UTF-16 units. */
export function codePointLength(text: string): number {
  return Array.from(text).length;
}

/** Why a text cannot be stored as given, or undefined when it can. */
export function textProblem(text: string, options: TextOptions): string | undefined {
  if (UNPAIRED_SURROGATE.test(text)) return 'must not contain unpaired surrogates';
  if ((options.multiline ? CONTROL_CHARACTERS_EXCEPT_LINES : CONTROL_CHARACTERS).test(text)) {
    return options.multiline ? 'must not contain control characters other than line feed and tab' : 'must not contain control characters';
  }
  const length = codePointLength(text);
  const min = options.min ?? 1;
  if (length < min || length > options.max) return `must be ${min} to ${options.max} characters long`;
  if (min > 0 && text.trim() === '') return 'must not be blank';
  return undefined;
}

export interface TextOptions {
  /** Most characters, as the column counts them (its varchar(n)). */
  max: number;
  /** Fewest characters; 1 unless said (and then not blank either). */
  min?: number;
  /** Free text (descriptions, reasons): line feeds and tabs allowed. */
  multiline?: boolean;
}

/** Every text field of every DTO: a string the database stores exactly as sent. */
export function IsText(options: TextOptions): PropertyDecorator {
  return applyDecorators(
    IsString(),
    ValidateBy({
      name: 'isText',
      // Kept in the validation metadata, so tests can find every text field and its limit.
      constraints: [options],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && textProblem(value, options) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} ${typeof args?.value === 'string' ? (textProblem(args.value, options) ?? '') : 'must be text'}`,
      },
    }),
  );
}

/** An integer query parameter (query strings arrive as text). */
export function QueryInt(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Type(() => String),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value)),
    IsInt(),
    Min(min),
    Max(max),
  );
}
