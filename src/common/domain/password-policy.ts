/** Shortest password a staff member may have (SPEC "Staff and audit"), the configured first admin's included. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * Why a password may not be used for this username, or undefined when it may. Length is
 * counted in code points, so a Chinese passphrase counts its characters, not its bytes.
 */
export function passwordProblem(password: string, username: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.trim().toLowerCase() === username.trim().toLowerCase()) return 'must not be the username';
  return undefined;
}
