/** Who made a change: a staff member, a merchant, a resident, or one of the system's jobs. */
export interface AuditActor {
  type: 'staff' | 'merchant' | 'resident' | 'system';
  id: string;
  name: string;
}

/** Who is changing something, and the request it came with (absent for jobs). */
export interface AuditContext {
  actor: AuditActor;
  requestId?: string;
}

/** One change to money or rights, as its service describes it. */
export interface AuditChange {
  /** e.g. 'campaign.published', 'statement.approved' */
  action: string;
  /** e.g. { type: 'campaign', id } */
  subject: { type: string; id: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}
