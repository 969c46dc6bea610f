import type { SettlementRun } from './settlement-run.entity';
import type { SettlementStatement } from './settlement-statement.entity';

export function toRunView(run: SettlementRun) {
  return {
    id: run.id,
    status: run.status,
    cutoff: run.cutoff.toISOString(),
    error: run.error,
    totals: { statements: run.statements, redemptions: run.redemptions, net: run.net },
    attempts: run.attempts,
    requestedBy: run.requestedBy,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

export type RunView = ReturnType<typeof toRunView>;

export function toStatementView(statement: SettlementStatement) {
  return {
    id: statement.id,
    runId: statement.runId,
    merchantId: statement.merchantId,
    sequence: statement.sequence,
    redemptionCount: statement.redemptionCount,
    reversalCount: statement.reversalCount,
    voidedCount: statement.voidedCount,
    gross: statement.gross,
    deductions: statement.deductions,
    net: statement.net,
    carriedIn: statement.carriedIn,
    carriedForward: statement.carriedForward,
    status: statement.status,
    ...(statement.status === 'held'
      ? { hold: { reason: statement.holdReason, from: statement.heldFrom, at: statement.heldAt?.toISOString() ?? null } }
      : {}),
    approvedBy: statement.approvedBy,
    approvedAt: statement.approvedAt?.toISOString() ?? null,
    ...(statement.bankReference ? { bankReference: statement.bankReference } : {}),
    paidBy: statement.paidBy,
    paidAt: statement.paidAt?.toISOString() ?? null,
    createdAt: statement.createdAt.toISOString(),
  };
}
