/** "6222021234567890123" → "***************0123": only the last four characters stay readable. */
export function maskAccountNumber(accountNumber: string): string {
  const visible = accountNumber.slice(-4);
  return '*'.repeat(Math.max(accountNumber.length - visible.length, 4)) + visible;
}

/** "13812345678" → "138****5678". */
export function maskPhone(phone: string): string {
  if (phone.length < 7) return '*'.repeat(phone.length);
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}
