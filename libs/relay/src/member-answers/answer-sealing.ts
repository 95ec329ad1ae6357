/**
 * Sealing purposes of a member answer's subject and content (ServerSecret.seal): what stores an
 * answer (member-mail/member-answers.ts) and what reads or releases it use the same ones.
 */
export const ANSWER_SUBJECT = 'member-answer-subject';
export const ANSWER_CONTENT = 'member-answer-content';
