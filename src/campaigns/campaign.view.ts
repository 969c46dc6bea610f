import type { Campaign } from './campaign.entity';
import type { Denomination } from './denomination.entity';
import type { Round } from './round.entity';

export function toCampaignView(campaign: Campaign) {
  return {
    id: campaign.id,
    name: campaign.name,
    theme: campaign.theme,
    description: campaign.description,
    budget: campaign.budget,
    allocated: campaign.allocated,
    startsAt: campaign.startsAt,
    endsAt: campaign.endsAt,
    status: campaign.status,
    publishedAt: campaign.publishedAt,
    closedAt: campaign.closedAt,
    createdAt: campaign.createdAt,
    updatedAt: campaign.updatedAt,
  };
}

export type CampaignView = ReturnType<typeof toCampaignView>;

export function toDenominationView(denomination: Denomination, remaining?: number) {
  return {
    id: denomination.id,
    faceValue: denomination.faceValue,
    minSpend: denomination.minSpend,
    quantity: denomination.quantity,
    /** Stock given back to the budget by a cancel or close. */
    returnedQuantity: denomination.returnedQuantity,
    ...(remaining === undefined ? {} : { remaining }),
  };
}

/** A round; `remaining` (per denomination id) is added when the caller knows live stock. */
export function toRoundView(round: Round, remaining?: ReadonlyMap<string, number>) {
  const denominations = round.denominations ?? [];
  return {
    id: round.id,
    campaignId: round.campaignId,
    name: round.name,
    claimOpensAt: round.claimOpensAt,
    claimClosesAt: round.claimClosesAt,
    perResidentLimit: round.perResidentLimit,
    voucherValidFrom: round.voucherValidFrom,
    voucherValidUntil: round.voucherValidUntil,
    voucherValidDays: round.voucherValidDays,
    status: round.status,
    /** Face value given back to the campaign budget by a cancel or close, fen. */
    returned: denominations.reduce((sum, d) => sum + d.faceValue * d.returnedQuantity, 0),
    endedAt: round.endedAt,
    createdAt: round.createdAt,
    updatedAt: round.updatedAt,
    denominations: [...denominations].sort((a, b) => a.position - b.position).map((d) => toDenominationView(d, remaining?.get(d.id))),
  };
}

export type RoundView = ReturnType<typeof toRoundView>;
