import type { TestDatabase } from './test-app';

/**
 * Guarantee 5, checked over the stored rows: every statement's figures are what its linked
 * redemptions add up to, the carry-forward chain is unbroken, and per merchant
 * Σ net = Σ face value settled − (Σ face value of reversals deducted − what is still carried forward).
 * Returns the problems found (empty when everything holds).
 */
export async function settlementProblems(db: TestDatabase): Promise<string[]> {
  const problems: string[] = [];
  const statements = await db.query<{
    id: string;
    merchant_id: string;
    sequence: number;
    gross: string;
    deductions: string;
    net: string;
    carried_in: string;
    carried_forward: string;
    redemption_count: number;
    reversal_count: number;
    voided_count: number;
    linked_gross: string;
    linked_count: number;
    linked_reversed: string;
    linked_reversals: number;
    linked_voided: number;
  }>(`
    SELECT s.id, s.merchant_id, s.sequence, s.gross, s.deductions, s.net, s.carried_in, s.carried_forward,
           s.redemption_count, s.reversal_count, s.voided_count,
           (SELECT coalesce(sum(face_value), 0) FROM redemptions r WHERE r.settlement_statement_id = s.id AND r.reversal_statement_id IS DISTINCT FROM s.id) AS linked_gross,
           (SELECT count(*) FROM redemptions r WHERE r.settlement_statement_id = s.id AND r.reversal_statement_id IS DISTINCT FROM s.id)::int AS linked_count,
           (SELECT coalesce(sum(face_value), 0) FROM redemptions r WHERE r.reversal_statement_id = s.id AND r.settlement_statement_id <> s.id) AS linked_reversed,
           (SELECT count(*) FROM redemptions r WHERE r.reversal_statement_id = s.id AND r.settlement_statement_id <> s.id)::int AS linked_reversals,
           (SELECT count(*) FROM redemptions r WHERE r.reversal_statement_id = s.id AND r.settlement_statement_id = s.id)::int AS linked_voided
      FROM settlement_statements s ORDER BY s.merchant_id, s.sequence`);
  let previous: (typeof statements)[number] | undefined;
  for (const s of statements) {
    const first = previous?.merchant_id !== s.merchant_id;
    if (first && s.sequence !== 1) problems.push(`merchant ${s.merchant_id}: chain starts at ${s.sequence}`);
    if (!first && previous && s.sequence !== previous.sequence + 1)
      problems.push(`merchant ${s.merchant_id}: gap after ${previous.sequence}`);
    const expectedCarriedIn = first ? 0 : Number(previous?.carried_forward);
    if (Number(s.carried_in) !== expectedCarriedIn) problems.push(`statement ${s.id}: carried_in ${s.carried_in} ≠ ${expectedCarriedIn}`);
    if (Number(s.gross) !== Number(s.linked_gross) || s.redemption_count !== s.linked_count) {
      problems.push(`statement ${s.id}: gross ${s.gross}/${s.redemption_count} ≠ linked ${s.linked_gross}/${s.linked_count}`);
    }
    if (s.reversal_count !== s.linked_reversals || s.voided_count !== s.linked_voided)
      problems.push(`statement ${s.id}: reversal/voided counts differ from links`);
    const owed = Number(s.linked_reversed) + Number(s.carried_in);
    if (Number(s.deductions) + Number(s.carried_forward) !== owed)
      problems.push(`statement ${s.id}: deductions + carried_forward ≠ reversals + carried_in`);
    if (Number(s.net) !== Number(s.gross) - Number(s.deductions) || Number(s.net) < 0) problems.push(`statement ${s.id}: net wrong`);
    previous = s;
  }

  const perMerchant = await db.query<{ merchant_id: string; net: string; settled: string; deducted: string; carried: string }>(`
    SELECT m.id AS merchant_id,
           (SELECT coalesce(sum(net), 0) FROM settlement_statements s WHERE s.merchant_id = m.id) AS net,
           (SELECT coalesce(sum(face_value), 0) FROM redemptions r
             WHERE r.merchant_id = m.id AND r.settlement_statement_id IS NOT NULL AND r.reversal_statement_id IS DISTINCT FROM r.settlement_statement_id) AS settled,
           (SELECT coalesce(sum(face_value), 0) FROM redemptions r
             WHERE r.merchant_id = m.id AND r.reversal_statement_id IS NOT NULL AND r.reversal_statement_id <> r.settlement_statement_id) AS deducted,
           coalesce((SELECT carried_forward FROM settlement_statements s WHERE s.merchant_id = m.id ORDER BY sequence DESC LIMIT 1), 0) AS carried
      FROM merchants m`);
  for (const m of perMerchant) {
    if (Number(m.net) !== Number(m.settled) - (Number(m.deducted) - Number(m.carried))) {
      problems.push(
        `merchant ${m.merchant_id}: Σ net ${m.net} ≠ settled ${m.settled} − (deducted ${m.deducted} − still carried ${m.carried})`,
      );
    }
  }

  const [links] = await db.query<{ orphan: number; deducted_unsettled: number }>(`
    SELECT count(*) FILTER (WHERE reversal_statement_id IS NOT NULL AND settlement_statement_id IS NULL)::int AS deducted_unsettled,
           count(*) FILTER (WHERE reversal_statement_id IS NOT NULL AND status <> 'reversed')::int AS orphan
      FROM redemptions`);
  if (links.orphan > 0 || links.deducted_unsettled > 0) problems.push(`bad reversal links: ${JSON.stringify(links)}`);
  const [misplaced] = await db.query<{ settled: number; deducted: number }>(`
    SELECT (SELECT count(*) FROM redemptions r JOIN settlement_statements s ON s.id = r.settlement_statement_id JOIN settlement_runs u ON u.id = s.run_id
             WHERE s.merchant_id <> r.merchant_id OR r.redeemed_at >= u.cutoff)::int AS settled,
           (SELECT count(*) FROM redemptions r JOIN settlement_statements s ON s.id = r.reversal_statement_id JOIN settlement_runs u ON u.id = s.run_id
             WHERE r.reversal_statement_id <> r.settlement_statement_id AND (s.merchant_id <> r.merchant_id OR r.reversed_at >= u.cutoff))::int AS deducted`);
  if (misplaced.settled > 0 || misplaced.deducted > 0)
    problems.push(`links to the wrong merchant or past the cutoff: ${JSON.stringify(misplaced)}`);
  return problems;
}
