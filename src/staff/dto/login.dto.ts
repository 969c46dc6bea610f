import { IsText } from '../../common/validation/decorators';

export class LoginDto {
  @IsText({ max: 64 })
  username!: string;

  @IsText({ max: 256 })
  password!: string;
}
