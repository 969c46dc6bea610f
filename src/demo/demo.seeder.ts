import { Injectable, Logger } from '@nestjs/common';
import { systemAuditContext } from '../audit/audit-context';
import { generatePassword } from '../auth/passwords';
import { STAFF_ROLES } from '../auth/principal';
import { CampaignsService } from '../campaigns/campaigns.service';
import { RoundsService } from '../campaigns/rounds.service';
import { MerchantsService } from '../merchants/merchants.service';
import { StaffService } from '../staff/staff.service';
import { DEMO_PROGRAMME, demoMerchants } from './demo-programme';

/** The system seeds the demo: no person's request for the four-eyes rule to hold for approval. */
const SEEDING = systemAuditContext('demo-seed');

/** Seeds the demo programme through the same services the API uses, into an empty database only. */
@Injectable()
export class DemoSeeder {
  private readonly logger = new Logger(DemoSeeder.name);

  constructor(
    private readonly campaigns: CampaignsService,
    private readonly rounds: RoundsService,
    private readonly merchants: MerchantsService,
    private readonly staff: StaffService,
  ) {}

  async seedIfEmpty(now = new Date()): Promise<boolean> {
    const existing = await this.campaigns.list({ limit: 1, offset: 0 });
    if (existing.total > 0) return false;

    const at = (offset: number): Date => new Date(now.getTime() + offset);
    for (const plan of DEMO_PROGRAMME) {
      const campaign = await this.campaigns.create(
        {
          name: plan.name,
          theme: plan.theme,
          description: plan.description,
          budget: plan.budget,
          startsAt: at(-30 * 24 * 3600_000),
          endsAt: at(335 * 24 * 3600_000),
        },
        SEEDING,
      );
      for (const round of plan.rounds) {
        await this.rounds.create(
          campaign.id,
          {
            name: round.name,
            claimOpensAt: at(round.opensIn),
            claimClosesAt: at(round.closesIn),
            perResidentLimit: round.perResidentLimit,
            voucherValidFrom: at(round.opensIn),
            voucherValidUntil: at(round.opensIn + round.validFor),
            denominations: round.denominations,
          },
          SEEDING,
        );
      }
      await this.campaigns.publish(campaign.id, SEEDING);
    }

    const keys: Array<{ name: string; apiKey: string }> = [];
    for (const merchant of demoMerchants()) {
      const { apiKey } = await this.merchants.register(
        {
          name: merchant.name,
          themes: merchant.themes,
          settlementAccount: { bankName: merchant.bankName, accountName: merchant.accountName, accountNumber: merchant.accountNumber },
        },
        SEEDING,
      );
      keys.push({ name: merchant.name, apiKey });
    }
    this.logger.log(`seeded the demo programme: ${DEMO_PROGRAMME.length} campaigns, ${keys.length} merchants`);
    const sample = keys[0];
    if (sample) {
      // A demo key so the checkout can be tried at once; printed, never logged.
      process.stdout.write(`\n  Demo merchant "${sample.name}" API key (shown once): ${sample.apiKey}\n`);
    }
    await this.seedStaff();
    return true;
  }

  /** One staff member per role, so four-eyes (two operators, two finance staff with the admin) can be tried at once. */
  private async seedStaff(): Promise<void> {
    const lines: string[] = [];
    for (const role of STAFF_ROLES) {
      const username = `demo.${role}`;
      const password = generatePassword();
      if (await this.staff.insertIfAbsent({ username, displayName: `演示 Demo ${role}`, roles: [role], password }, SEEDING)) {
        lines.push(`    ${role.padEnd(9)} username "${username}", password "${password}"`);
      }
    }
    this.logger.log(`seeded ${lines.length} demo staff members`);
    // Printed once to the console, deliberately not through the logger: passwords must not reach log storage.
    if (lines.length > 0) process.stdout.write(`\n  Demo staff (passwords shown only now):\n${lines.join('\n')}\n\n`);
  }
}
