import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Page } from '../common/http/pagination';
import { AuditEvent } from './audit-event.entity';
import { ListAuditEventsQuery } from './dto/audit.dto';

/** Reading the log: the auditor's list. */
@Injectable()
export class AuditEventsService {
  constructor(@InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>) {}

  async list(query: ListAuditEventsQuery): Promise<Page<AuditEvent>> {
    const qb = this.events.createQueryBuilder('e').orderBy('e.seq', 'ASC');
    if (query.subjectType) qb.andWhere('e.subject_type = :subjectType', { subjectType: query.subjectType });
    if (query.subjectId) qb.andWhere('e.subject_id = :subjectId', { subjectId: query.subjectId });
    if (query.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: query.actorId });
    if (query.action) qb.andWhere('e.action = :action', { action: query.action });
    if (query.from) qb.andWhere('e.at >= :from', { from: query.from });
    if (query.to) qb.andWhere('e.at < :to', { to: query.to });
    const [items, total] = await qb.take(query.limit).skip(query.offset).getManyAndCount();
    return { items, total };
  }
}
