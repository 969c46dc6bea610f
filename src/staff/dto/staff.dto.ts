import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import { STAFF_ROLES, type StaffRole } from '../../auth/principal';
import { PASSWORD_MAX_LENGTH } from '../../common/domain/password-policy';
import { IsText } from '../../common/validation/decorators';
import type { StaffStatus } from '../staff.entity';

// The password rule itself (length, not the username) needs the username: StaffService applies it.
const Password = (): PropertyDecorator => IsText({ max: PASSWORD_MAX_LENGTH });

const StaffRoles = (): PropertyDecorator => (target, key) => {
  IsArray()(target, key);
  ArrayMinSize(1)(target, key);
  ArrayMaxSize(STAFF_ROLES.length)(target, key);
  ArrayUnique()(target, key);
  IsIn(STAFF_ROLES, { each: true })(target, key);
};

export class CreateStaffDto {
  @IsText({ max: 64 })
  @Matches(/^[A-Za-z0-9_.-]{3,64}$/, { message: 'username must be 3-64 letters, digits, _ . -' })
  username!: string;

  @IsText({ max: 128 })
  displayName!: string;

  @StaffRoles()
  roles!: StaffRole[];

  @Password()
  password!: string;
}

export class UpdateStaffDto {
  @IsOptional()
  @StaffRoles()
  roles?: StaffRole[];

  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: StaffStatus;

  @IsOptional()
  @Password()
  password?: string;
}

export class ChangePasswordDto {
  @Password()
  currentPassword!: string;

  @Password()
  newPassword!: string;
}
