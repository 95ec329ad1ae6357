import { Refusal } from '../refusals/refusal-catalogue';

export { Refusal };

/** What a stage says of a post: go on, with the state it added to, or refuse it. */
export type Verdict<State> = { kind: 'continue'; state: State } | { kind: 'refuse'; refusal: Refusal };

export const proceed = <State>(state: State): Verdict<State> => ({ kind: 'continue', state });
export const refuse = (refusal: Refusal): Verdict<never> => ({ kind: 'refuse', refusal });

/**
 * One step of the post pipeline (docs/architecture.md, "The relay as stages"): it takes the state
 * the stages before it produced and returns that state with its own fields added, or a refusal.
 * A stage's input type holds exactly what was set before it, so none reads a field not yet set.
 */
export interface PostStage<In, Out> {
  readonly name: string;
  run(post: In): Promise<Verdict<Out>>;
}

/**
 * Stages composed in order: `then` only takes a stage whose input is what the chain so far
 * returns, so the compiler checks the order. The first refusal ends the run.
 */
export class StageChain<In, Out> {
  private constructor(
    readonly names: readonly string[],
    private readonly runAll: (post: In) => Promise<Verdict<Out>>,
  ) {}

  static startingWith<In, Out>(stage: PostStage<In, Out>): StageChain<In, Out> {
    return new StageChain([stage.name], (post) => stage.run(post));
  }

  then<Next>(stage: PostStage<Out, Next>): StageChain<In, Next> {
    return new StageChain([...this.names, stage.name], async (post) => {
      const verdict = await this.runAll(post);
      return verdict.kind === 'continue' ? stage.run(verdict.state) : verdict;
    });
  }

  run(post: In): Promise<Verdict<Out>> {
    return this.runAll(post);
  }
}
