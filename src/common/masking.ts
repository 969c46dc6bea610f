/** "6222021234567890123" → "***************0123": only the last four characters stay readable. */
export function maskAccountNumber(accountNumber: string): string {
  const visible = accountNumber.slice(-4);
  return '*'.repeat(Math.max(accountNumber.length - visible.length, 4)) + visible;
}
