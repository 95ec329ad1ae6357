/**
 * A question a lib asks a lib above it, inside its own transaction (docs/architecture.md, Layout):
 * the lower lib may not import the higher one, so the higher one provides the answer as its module
 * is built. One lib answers; asking before any did is refused, so a missing wire fails loudly
 * rather than answering nothing.
 */
export class AnswerFromAbove<Question extends unknown[], Answer> {
  private answer?: (...question: Question) => Promise<Answer>;

  /** `what` names the answer in the refusals: "the maintainers' mailboxes". */
  constructor(private readonly what: string) {}

  provide(answer: (...question: Question) => Promise<Answer>): void {
    if (this.answer) throw new Error(`${this.what} is already provided.`);
    this.answer = answer;
  }

  get provided(): boolean {
    return this.answer !== undefined;
  }

  protected ask(...question: Question): Promise<Answer> {
    if (!this.answer) throw new Error(`No lib provides ${this.what}: its module is not imported.`);
    return this.answer(...question);
  }
}
