import { PostStage, proceed, refuse, StageChain } from './post-stage';

// The chain runs stages in order, each on what the one before returned, and stops at the first refusal.
describe('StageChain', () => {
  const add = (name: string, field: string): PostStage<object, object> => ({
    name,
    run: async (post) => proceed({ ...post, [field]: name }),
  });

  it('runs the stages in order, each on the state the one before returned', async () => {
    const chain = StageChain.startingWith(add('one', 'a')).then(add('two', 'b'));
    expect(chain.names).toEqual(['one', 'two']);
    expect(await chain.run({})).toEqual({ kind: 'continue', state: { a: 'one', b: 'two' } });
  });

  it('stops at the first refusal: no later stage runs', async () => {
    const ran: string[] = [];
    const later: PostStage<object, object> = { name: 'later', run: async (post) => (ran.push('later'), proceed(post)) };
    const refusing: PostStage<object, object> = {
      name: 'refusing',
      run: async () => refuse({ code: 'REPLAYED', message: 'once only' }),
    };
    const verdict = await StageChain.startingWith(refusing).then(later).run({});
    expect(verdict).toEqual({ kind: 'refuse', refusal: { code: 'REPLAYED', message: 'once only' } });
    expect(ran).toEqual([]);
  });
});
