import type { BureauPrincipal } from './principal';

/**
 * What the guard asks of the staff module (src/staff), declared here so that auth does not
 * import staff: staff provides it (StaffModule, global) and depends on auth, never the reverse.
 */
export abstract class BureauSessions {
  /**
   * The caller a verified bureau token stands for now: its session still open and unexpired,
   * its staff member active, with the roles stored now. Undefined once any of that is no
   * longer so. Called on every bureau request, in every API process.
   */
  abstract resolve(token: BureauPrincipal): Promise<BureauPrincipal | undefined>;
}
