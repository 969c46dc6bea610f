/**
 * The SQL of a settlement run, in one place.
 *
 * These statements read and update the `redemptions` table (owned by the redemptions
 * module) and read `merchants` directly instead of going through those modules' services,
 * on purpose: a run links up to millions of redemptions, and only set-based
 * UPDATE … RETURNING inside PostgreSQL does that in bounded memory (Node receives one row
 * of totals per merchant, never the redemptions). The only columns written here are the
 * settlement links `settlement_statement_id` and `reversal_statement_id`, which belong to
 * settlement; every write is conditional on the link still being NULL, so a redemption is
 * linked once whatever runs or retries race for it.
 */

/**
 * The redemption statuses (RedemptionStatus in redemptions/redemption.entity.ts) whose merchant
 * owes the face value back once settled, for SQL: `status IN ${REVERSED_STATUSES}`.
 */
export const REVERSED_STATUSES = `('reversed', 'reversal_pending')`;

/** Namespace of the per-merchant advisory lock (first key of pg_advisory_xact_lock(int, int)). */
export const MERCHANT_LOCK_NAMESPACE = 0x5e771e;

/**
 * Is there anything for merchant `m` to settle before the cutoff parameter? (Both arms use
 * partial indexes.) Never while the merchant is held: its work waits for the first run after the release.
 */
const merchantHasWork = (cutoff: string): string => `
  (m.held_at IS NULL AND
   (EXISTS (SELECT 1 FROM redemptions r
             WHERE r.merchant_id = m.id AND r.settlement_statement_id IS NULL AND r.redeemed_at < ${cutoff})
    OR EXISTS (SELECT 1 FROM redemptions r
                WHERE r.merchant_id = m.id AND r.status IN ${REVERSED_STATUSES} AND r.settlement_statement_id IS NOT NULL
                  AND r.reversal_statement_id IS NULL AND r.reversed_at < ${cutoff})))`;

/** $1 after merchant id (keyset), $2 cutoff, $3 page size → merchants with work, in id order. */
export const MERCHANTS_WITH_WORK = `
  SELECT m.id FROM merchants m
   WHERE m.id > $1 AND ${merchantHasWork('$2')}
   ORDER BY m.id
   LIMIT $3`;

/** $1 namespace, $2 merchant id: serialises every run's work on one merchant until commit. */
export const LOCK_MERCHANT = `SELECT pg_advisory_xact_lock($1, hashtext($2::text))`;

/**
 * $1 run, $2 merchant, $3 cutoff → {done, has_work}, read after the merchant lock is held.
 * Share-locks the merchant's row until the statement commits, so a hold waits for it and a
 * hold committed first is seen: nothing is settled for a merchant after its hold succeeded.
 */
export const MERCHANT_STATE = `
  SELECT EXISTS (SELECT 1 FROM settlement_statements s WHERE s.run_id = $1 AND s.merchant_id = $2) AS done,
         ${merchantHasWork('$3')} AS has_work
    FROM merchants m WHERE m.id = $2
     FOR SHARE OF m`;

/** $1 merchant → the last statement of the merchant's chain (none for a first statement). */
export const LAST_STATEMENT = `
  SELECT sequence, carried_forward::text AS carried_forward
    FROM settlement_statements WHERE merchant_id = $1
   ORDER BY sequence DESC LIMIT 1`;

/** $1 run, $2 merchant, $3 sequence, $4 carried in → the new statement's id (amounts are set once linked). */
export const INSERT_STATEMENT = `
  INSERT INTO settlement_statements (run_id, merchant_id, sequence, carried_in, redemption_count, gross, deductions, net)
  VALUES ($1, $2, $3, $4, 0, 0, 0, 0)
  RETURNING id`;

/**
 * $1 statement, $2 merchant, $3 cutoff. Links, in one statement:
 * - every unsettled redemption before the cutoff (`settled`): active ones count in gross;
 *   one already reversed before it was ever settled is voided: it gets both links (so no
 *   later run picks it up, neither as a redemption nor as a reversal) and counts nowhere;
 * - every reversal before the cutoff of a redemption settled earlier (`deducted`), pending
 *   ones included (the engine then completes those, see PendingReversalsService).
 * The two sets are disjoint: `deducted` sees the statement's snapshot, where the rows
 * `settled` links still have no settlement link.
 */
export const LINK_REDEMPTIONS = `
  WITH settled AS (
    UPDATE redemptions
       SET settlement_statement_id = $1,
           reversal_statement_id = CASE WHEN status = 'reversed' THEN $1::uuid END
     WHERE merchant_id = $2 AND settlement_statement_id IS NULL AND redeemed_at < $3
    RETURNING face_value, status
  ), deducted AS (
    UPDATE redemptions
       SET reversal_statement_id = $1
     WHERE merchant_id = $2 AND status IN ${REVERSED_STATUSES} AND settlement_statement_id IS NOT NULL
       AND reversal_statement_id IS NULL AND reversed_at < $3
    RETURNING face_value
  )
  SELECT (SELECT count(*) FROM settled WHERE status = 'active')::int AS redemption_count,
         (SELECT coalesce(sum(face_value), 0) FROM settled WHERE status = 'active')::text AS gross,
         (SELECT count(*) FROM settled WHERE status = 'reversed')::int AS voided_count,
         (SELECT count(*) FROM deducted)::int AS reversal_count,
         (SELECT coalesce(sum(face_value), 0) FROM deducted)::text AS reversed`;

/** $1 statement, then counts and amounts. */
export const COMPLETE_STATEMENT = `
  UPDATE settlement_statements
     SET redemption_count = $2, voided_count = $3, reversal_count = $4,
         gross = $5, deductions = $6, net = $7, carried_forward = $8
   WHERE id = $1`;

/** $1 run → its totals from its statements. */
export const RUN_TOTALS = `
  SELECT count(*)::int AS statements, coalesce(sum(redemption_count), 0)::int AS redemptions, coalesce(sum(net), 0)::text AS net
    FROM settlement_statements WHERE run_id = $1`;

/** $1 run → its approved statements with a positive net: the bank file's lines, before the payees are looked up. */
export const PAYOUT_STATEMENTS = `
  SELECT s.id AS "statementId", s.merchant_id AS "merchantId", s.net::text AS net
    FROM settlement_statements s
   WHERE s.run_id = $1 AND s.status = 'approved' AND s.net > 0`;

/**
 * $1 statement → the redemptions behind its figures, one row each (kind, face value): those
 * settled in it (a redemption with both links here was reversed before it was settled), and
 * the reversals it deducted of redemptions settled earlier. Carried amounts are on the
 * statement itself. Uses the partial indexes on the two links.
 */
export const STATEMENT_REDEMPTION_LINES = `
  SELECT CASE WHEN r.reversal_statement_id = $1 THEN 'reversed_before_settlement' ELSE 'redemption' END AS kind,
         r.id AS "redemptionId", r.order_ref AS "orderRef", r.redeemed_at AS "redeemedAt", r.reversed_at AS "reversedAt",
         r.face_value::text AS "faceValue"
    FROM redemptions r WHERE r.settlement_statement_id = $1
  UNION ALL
  SELECT 'reversal', r.id, r.order_ref, r.redeemed_at, r.reversed_at, r.face_value::text
    FROM redemptions r WHERE r.reversal_statement_id = $1 AND r.settlement_statement_id <> $1
  ORDER BY "redeemedAt", "redemptionId"`;
