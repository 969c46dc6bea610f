import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { REVERSED_STATUSES } from './settlement.queries';

/**
 * $1 merchant ids → what each still owes: reversals (pending or not) of settled redemptions that
 * no statement has deducted yet, plus the deductions its last statement carried forward.
 */
const OUTSTANDING = `
  SELECT m.id::text AS merchant_id,
         coalesce((SELECT sum(r.face_value) FROM redemptions r
                    WHERE r.merchant_id = m.id AND r.status IN ${REVERSED_STATUSES} AND r.settlement_statement_id IS NOT NULL
                      AND r.reversal_statement_id IS NULL), 0)
       + coalesce((SELECT s.carried_forward FROM settlement_statements s
                    WHERE s.merchant_id = m.id ORDER BY s.sequence DESC LIMIT 1), 0) AS outstanding
    FROM unnest($1::uuid[]) AS m(id)`;

/** Merchants that may owe something: the candidates OUTSTANDING is then asked about. */
const OWING_CANDIDATES = `
  SELECT DISTINCT merchant_id::text AS merchant_id FROM redemptions
   WHERE status IN ${REVERSED_STATUSES} AND settlement_statement_id IS NOT NULL AND reversal_statement_id IS NULL
  UNION
  SELECT merchant_id::text FROM settlement_statements WHERE carried_forward > 0`;

/** The settlement chain's view of what merchants owe, for the merchants module (SPEC "Bureau": `outstanding`). */
@Injectable()
export class OutstandingService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Fen each merchant owes (0 for none). */
  async forMerchants(merchantIds: readonly string[]): Promise<Map<string, number>> {
    if (merchantIds.length === 0) return new Map();
    const rows: Array<{ merchant_id: string; outstanding: string }> = await this.dataSource.query(OUTSTANDING, [merchantIds]);
    return new Map(rows.map((row) => [row.merchant_id, Number(row.outstanding)]));
  }

  /**
   * Whether a statement was paid out, read inside the caller's transaction and share-locked
   * until it ends: marking the statement paid waits for that transaction, or committed first
   * and is seen. A reversal of one of its redemptions then owes the subsidy back.
   */
  async isPaidOut(manager: EntityManager, statementId: string): Promise<boolean> {
    const [row]: Array<{ status: string }> = await manager.query(`SELECT status FROM settlement_statements WHERE id = $1 FOR SHARE`, [
      statementId,
    ]);
    return row?.status === 'paid';
  }

  /** The ids of merchants that owe more than nothing. */
  async owingMerchantIds(): Promise<string[]> {
    const candidates: Array<{ merchant_id: string }> = await this.dataSource.query(OWING_CANDIDATES);
    const owed = await this.forMerchants(candidates.map((row) => row.merchant_id));
    return [...owed].filter(([, fen]) => fen > 0).map(([id]) => id);
  }
}
