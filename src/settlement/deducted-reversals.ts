import type { EntityManager } from 'typeorm';
import type { AuditContext } from '../audit/audit.types';

/**
 * What a settlement run asks of the redemptions module once a statement has deducted pending
 * reversals (reversals of paid-out redemptions): complete them, giving their vouchers back,
 * inside the statement's transaction. Declared here and implemented by the redemptions module,
 * so that settlement does not import redemptions (which imports settlement for `outstanding`);
 * the worker's composition (src/process-modules.ts) binds the two.
 */
export abstract class DeductedReversals {
  abstract completeDeducted(manager: EntityManager, statementId: string, context: AuditContext): Promise<void>;
}
