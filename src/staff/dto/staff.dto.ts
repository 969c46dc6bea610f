import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { STAFF_ROLES, type StaffRole } from '../../auth/principal';
import { PASSWORD_MAX_LENGTH } from '../../common/domain/password-policy';
import type { StaffStatus } from '../staff.entity';

// The password rule itself (length, not the username) needs the username: StaffService applies it.
const Password = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  MinLength(1)(target, key);
  MaxLength(PASSWORD_MAX_LENGTH)(target, key);
};

const StaffRoles = (): PropertyDecorator => (target, key) => {
  IsArray()(target, key);
  ArrayMinSize(1)(target, key);
  ArrayMaxSize(STAFF_ROLES.length)(target, key);
  ArrayUnique()(target, key);
  IsIn(STAFF_ROLES, { each: true })(target, key);
};

export class CreateStaffDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,64}$/, { message: 'username must be 3-64 letters, digits, _ . -' })
  username!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(128)
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
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword!: string;

  @Password()
  newPassword!: string;
}
