import { IsUUID } from 'class-validator';

export class CreateClaimDto {
  /** The denomination (voucher kind) of an open round to claim one voucher of. */
  @IsUUID()
  denominationId!: string;
}
