import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthService } from '../auth/auth.service';
import { isAllowed } from '../auth/principal';
import { forbidden } from '../common/errors/domain-error';
import { toErrorResponse } from '../common/errors/error-mapping';
import { SettlementQueue } from './settlement-queue.service';

export const QUEUE_BOARD_PATH = '/admin/queues';

/**
 * Bull Board at /admin/queues, for finance staff (auditors read it) by bearer token or the
 * session cookie set at login; a change asked with the cookie must come from this site's own
 * pages (AuthService.authenticateOperator checks its Origin). It is mounted straight on Fastify, outside Nest's routing, so the guard is
 * an onRequest hook scoped to the board's own plugin. A process without HTTP (the worker)
 * has no board.
 */
@Injectable()
export class QueueBoard implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
    private readonly settlement: SettlementQueue,
  ) {}

  onModuleInit(): void {
    const httpAdapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (!httpAdapter) return;
    const fastify = httpAdapter.getInstance<FastifyInstance>();
    const board = new BullBoardFastifyAdapter();
    board.setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({ queues: [new BullMQAdapter(this.settlement.queue)], serverAdapter: board });

    void fastify.register(async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const principal = await this.auth.authenticateOperator(request);
          // Finance runs settlement (pausing or retrying its queue included); auditors may look.
          if (!isAllowed(principal, request.method === 'GET' || request.method === 'HEAD' ? ['finance', 'auditor'] : ['finance'])) {
            throw forbidden('Your role does not allow this action');
          }
        } catch (error) {
          const answer = toErrorResponse(error);
          return reply.status(answer.status).headers(answer.headers).send(answer.body);
        }
      });
      await scope.register(board.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
    });
  }
}
