import { Context } from '@temporalio/activity';

/** Input of the chat example: one message from one user. */
export interface ChatMessage {
  userId: string;
  messageId: string;
  text: string;
}

/**
 * Pretends to stream a reply, one word per 200 ms with a heartbeat each, so an edited message cancels the reply
 * being written for the older text.
 */
export async function composeReply(message: ChatMessage): Promise<string> {
  const words = `you said: ${message.text}`.split(' ');
  const written: string[] = [];
  for (const word of words) {
    await Context.current().sleep(200);
    written.push(word);
    Context.current().heartbeat(written.length);
  }
  return written.join(' ');
}

/** Discards the partial reply of a superseded message. */
export async function discardDraft(message: ChatMessage): Promise<void> {
  Context.current().log.info('discarding draft reply', { userId: message.userId, messageId: message.messageId });
  await Promise.resolve();
}
