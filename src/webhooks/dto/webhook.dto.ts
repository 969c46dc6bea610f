import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional } from 'class-validator';
import { IsText } from '../../common/validation/decorators';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_URL_MAX_LENGTH, type WebhookEventType } from '../webhook.rules';

const EventTypes = (): PropertyDecorator => (target, key) => {
  IsArray()(target, key);
  ArrayMinSize(1)(target, key);
  ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)(target, key);
  ArrayUnique()(target, key);
  IsIn(WEBHOOK_EVENT_TYPES, { each: true })(target, key);
};

export class CreateWebhookDto {
  /** http(s); must not resolve to a loopback or private address unless WEBHOOK_ALLOW_PRIVATE. */
  @IsText({ max: WEBHOOK_URL_MAX_LENGTH })
  url!: string;

  @EventTypes()
  events!: WebhookEventType[];
}

export class UpdateWebhookDto {
  @IsOptional()
  @IsText({ max: WEBHOOK_URL_MAX_LENGTH })
  url?: string;

  @IsOptional()
  @EventTypes()
  events?: WebhookEventType[];

  /** true turns a disabled endpoint back on (its failure run starts again from zero). */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}
