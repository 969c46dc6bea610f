import type { EntityManager } from 'typeorm';
import { formatVoucherCode } from '../vouchers/voucher-code';
import type { RedemptionView } from './redemption.view';

/**
 * The whole happy path of a redemption as ONE SQL statement (one round trip, one implicit
 * transaction, one synchronous commit): it moves the voucher from claimed to redeemed,
 * inserts the redemption row and records the finished answer under the Idempotency-Key.
 *
 * This is the one place outside their modules that writes `vouchers` and `idempotency_keys`
 * (and reads `merchants`), because doing it through their services costs eight round trips
 * and two commits per redemption. It mirrors, and must stay in step with:
 * - `VouchersService.markRedeemed`: the conditional update whose affected row decides single
 *   use (of concurrent redemptions of one voucher exactly one updates it; the others wait for
 *   its row lock, re-check `status = 'claimed'` and update nothing);
 * - `IdempotencyStore`: a key row in its `completed` shape;
 * - `assessCheckout`: the statement redeems only when every rule passes. It may refuse more
 *   than the rule (then the step-by-step path decides), never less;
 * - `toRedemptionView`: the stored answer has its fields, order and formats (a test compares
 *   the 201 with GET /redemptions/:id byte for byte). `$5` is the instant as JavaScript's ISO
 *   text, typed text everywhere so that the answer carries it verbatim.
 *
 * Everything happens or nothing does: when a rule fails, the voucher is gone or taken, the
 * statement changes nothing and returns no row; when the key already exists (a retry, a
 * reused key, a request in flight on the step-by-step path, a crashed one) its INSERT raises
 * a unique violation and the whole statement, voucher update included, is rolled back. In
 * both cases the caller falls back to the step-by-step path, which finds the precise answer.
 */
const REDEEM_IN_ONE_STATEMENT = `
  WITH voucher AS (
    UPDATE vouchers v
       SET status = 'redeemed', redeemed_at = $5::text::timestamptz, updated_at = $5::text::timestamptz
     WHERE v.code = $3 AND v.status = 'claimed'
       AND v.valid_from <= $5::text::timestamptz AND v.valid_until > $5::text::timestamptz
       AND v.min_spend <= $6::bigint
       AND EXISTS (SELECT 1 FROM merchants m WHERE m.id = $2::uuid AND m.status = 'active' AND v.theme = ANY (m.themes))
    RETURNING v.id, v.campaign_id, v.round_id, v.denomination_id, v.face_value),
  answer AS (
    SELECT json_build_object(
             'id', $1::uuid, 'voucherId', id, 'merchantId', $2::uuid, 'code', $4::text,
             'faceValue', face_value, 'orderAmount', $6::bigint, 'discount', face_value, 'payable', $6::bigint - face_value,
             'orderRef', $7::text, 'status', 'active', 'redeemedAt', $5::text, 'reversedAt', NULL, 'reversalReason', NULL,
             'campaignId', campaign_id, 'roundId', round_id, 'denominationId', denomination_id,
             'settlementStatementId', NULL, 'reversalStatementId', NULL) AS body
      FROM voucher),
  redemption AS (
    INSERT INTO redemptions (id, voucher_id, merchant_id, campaign_id, round_id, denomination_id, code,
                             face_value, order_amount, discount, payable, order_ref, status, redeemed_at, created_at)
    SELECT $1::uuid, id, $2::uuid, campaign_id, round_id, denomination_id, $3,
           face_value, $6::bigint, face_value, $6::bigint - face_value, $7::text, 'active', $5::text::timestamptz, $5::text::timestamptz
      FROM voucher),
  idempotency AS (
    INSERT INTO idempotency_keys (merchant_id, key, fingerprint, state, response_status, response_body, completed_at)
    SELECT $2::uuid, $8, $9, 'completed', $10, body, now() FROM answer)
  SELECT body FROM answer`;

/** The constraint whose violation means "this Idempotency-Key exists already". */
const IDEMPOTENCY_KEY_CONSTRAINT = 'idempotency_keys_merchant_key';

export interface OneStatementRedemption {
  id: string;
  merchantId: string;
  /** Normalised. */
  code: string;
  orderAmount: number;
  orderRef: string | null;
  at: Date;
  idempotencyKey: string;
  fingerprint: string;
  /** The HTTP status recorded with the answer. */
  status: number;
}

/**
 * Runs the statement. The answer when it redeemed; undefined when it changed nothing
 * (a rule failed, or the key exists), for the step-by-step path to decide.
 */
export async function redeemInOneStatement(manager: EntityManager, r: OneStatementRedemption): Promise<RedemptionView | undefined> {
  try {
    const rows: Array<{ body: RedemptionView }> = await manager.query(REDEEM_IN_ONE_STATEMENT, [
      r.id,
      r.merchantId,
      r.code,
      formatVoucherCode(r.code),
      r.at.toISOString(),
      r.orderAmount,
      r.orderRef,
      r.idempotencyKey,
      r.fingerprint,
      r.status,
    ]);
    return rows[0]?.body;
  } catch (error) {
    if (isIdempotencyKeyConflict(error)) return undefined;
    throw error;
  }
}

function isIdempotencyKeyConflict(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && constraint === IDEMPOTENCY_KEY_CONSTRAINT;
}
