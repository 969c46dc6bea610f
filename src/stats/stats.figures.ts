import type { ClaimSums, DenominationRow, RedemptionSums } from './stats.queries';

/** The figures the spec defines, for a denomination, a round, a campaign or the programme. */
export interface Figures extends ClaimSums, RedemptionSums {
  /** Σ faceValue × (quantity − returnedQuantity): what the rounds commit of the budget, as the campaign's `allocated`. */
  allocated: number;
  /** Σ quantity: vouchers issued to the rounds. */
  quantity: number;
  /** Vouchers given back to the budget by cancelled and closed rounds. */
  returnedQuantity: number;
  /** Their face value, fen. */
  returned: number;
  /** salesDriven ÷ subsidy; null while no subsidy has been redeemed. */
  leverage: number | null;
  /** redeemed ÷ claimed; null while nothing has been claimed. */
  redemptionRate: number | null;
  /** Vouchers left to claim: quantity − returned − vouchers stored. */
  remaining: number;
}

export type Sums = ClaimSums & RedemptionSums & { allocated: number; quantity: number; returnedQuantity: number; returned: number };

export const ZERO_SUMS: Sums = Object.freeze({
  allocated: 0,
  quantity: 0,
  returnedQuantity: 0,
  returned: 0,
  claimed: 0,
  claimedValue: 0,
  redeemed: 0,
  subsidy: 0,
  salesDriven: 0,
});

export function leverage(salesDriven: number, subsidy: number): number | null {
  return subsidy === 0 ? null : salesDriven / subsidy;
}

export function redemptionRate(redeemed: number, claimed: number): number | null {
  return claimed === 0 ? null : redeemed / claimed;
}

export function addSums(a: Sums, b: Sums): Sums {
  return {
    allocated: a.allocated + b.allocated,
    quantity: a.quantity + b.quantity,
    returnedQuantity: a.returnedQuantity + b.returnedQuantity,
    returned: a.returned + b.returned,
    claimed: a.claimed + b.claimed,
    claimedValue: a.claimedValue + b.claimedValue,
    redeemed: a.redeemed + b.redeemed,
    subsidy: a.subsidy + b.subsidy,
    salesDriven: a.salesDriven + b.salesDriven,
  };
}

/** Ratios and what is left follow from the sums; they are never summed themselves. */
export function toFigures(sums: Sums): Figures {
  return {
    ...sums,
    leverage: leverage(sums.salesDriven, sums.subsidy),
    redemptionRate: redemptionRate(sums.redeemed, sums.claimed),
    remaining: sums.quantity - sums.returnedQuantity - sums.claimed,
  };
}

export function denominationSums(denomination: DenominationRow, claims?: ClaimSums, redemptions?: RedemptionSums): Sums {
  return {
    allocated: denomination.faceValue * (denomination.quantity - denomination.returnedQuantity),
    quantity: denomination.quantity,
    returnedQuantity: denomination.returnedQuantity,
    returned: denomination.faceValue * denomination.returnedQuantity,
    claimed: claims?.claimed ?? 0,
    claimedValue: claims?.claimedValue ?? 0,
    redeemed: redemptions?.redeemed ?? 0,
    subsidy: redemptions?.subsidy ?? 0,
    salesDriven: redemptions?.salesDriven ?? 0,
  };
}

/** Sums items into groups by key, keeping the order in which keys first appear. */
export function groupSums<T>(items: T[], key: (item: T) => string, sums: (item: T) => Sums): Map<string, Sums> {
  const groups = new Map<string, Sums>();
  for (const item of items) groups.set(key(item), addSums(groups.get(key(item)) ?? ZERO_SUMS, sums(item)));
  return groups;
}
