import type { TokenClaims } from '@tessera/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A note, owned by the tessera user whose `user_id` created it. */
export interface Note {
  id: number;
  owner: string;
  text: string;
}

/** How the service learns who calls: tessera's preHandler, in-process or through @tessera/verify. */
export interface NotesOptions {
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

const MAX_TEXT = 10_000;

/**
 * The notes routes: each user sees and changes their own notes; staff (the
 * `is_staff` claim, which tessera adds with `TESSERA_EXTRA_CLAIMS=is_staff`)
 * see everyone's, as seed 004's tutorial grows a DRF view with
 * `IsAuthenticated` and a queryset filtered by `request.user`.
 */
export function registerNotes(app: FastifyInstance, { authenticate }: NotesOptions): void {
  const notes = new Map<number, Note>();
  let nextId = 1;
  const caller = (request: FastifyRequest): TokenClaims => {
    // authenticate ran: a request without a user never reaches a handler.
    if (request.user === null) throw new Error('notes routes need authenticate');
    return request.user;
  };
  const visible = (user: TokenClaims, note: Note) => user.is_staff === true || note.owner === user.user_id;

  void app.register((scope, _options, done) => {
    // Every route here requires a user: the hook, not each handler, decides.
    scope.addHook('preHandler', authenticate);

    scope.get('/notes/', (request) => {
      const user = caller(request);
      return [...notes.values()].filter((note) => visible(user, note));
    });

    scope.post('/notes/', (request, reply) => {
      const text = (request.body as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_TEXT) {
        return reply.code(400).send({ text: [`A note needs text, at most ${MAX_TEXT} characters.`] });
      }
      const note = { id: nextId++, owner: caller(request).user_id, text };
      notes.set(note.id, note);
      return reply.code(201).send(note);
    });

    scope.get('/notes/:id/', (request, reply) => {
      const note = notes.get(Number((request.params as { id: string }).id));
      // Someone else's note is not found, not forbidden: its existence is not yours to know.
      if (note === undefined || !visible(caller(request), note)) return reply.code(404).send({ detail: 'Not found.' });
      return note;
    });

    scope.delete('/notes/:id/', (request, reply) => {
      const note = notes.get(Number((request.params as { id: string }).id));
      if (note === undefined || !visible(caller(request), note)) return reply.code(404).send({ detail: 'Not found.' });
      notes.delete(note.id);
      return reply.code(204).send();
    });
    done();
  });
}
