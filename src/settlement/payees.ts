import type { EntityManager } from 'typeorm';

/** Who a statement's money goes to: the merchant's name, bank account, and whether finance holds it. */
export interface Payee {
  merchantName: string;
  bankName: string;
  accountName: string;
  /** The full number: only the bank transfer file shows it. */
  accountNumber: string;
  held: boolean;
}

/**
 * The merchants module's answer to "who is paid, and may they be paid now?", declared here and
 * implemented by MerchantsService, so the payout file reads bank accounts through the merchants
 * module while settlement still does not import it (merchants imports settlement for
 * `outstanding`); the application module binds the two (SettlementModule.forRoot).
 */
export abstract class Payees {
  /**
   * The payees of these merchants (unknown ids are left out). Given a transaction, their rows
   * are share-locked until it ends, so a hold waits for a payment being recorded and vice versa.
   */
  abstract payees(merchantIds: readonly string[], manager?: EntityManager): Promise<Map<string, Payee>>;
}
