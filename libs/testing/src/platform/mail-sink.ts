import { stackEndpoints } from '../endpoints';

export interface SinkMail {
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
}

const PAGE = 1000;

/**
 * Every mail in the SMTP sink (Mailpit's API) to one of these addresses, read page by page. The sink is shared by
 * every suite: filter by address, never delete.
 */
export async function mailsTo(addresses: Iterable<string>): Promise<SinkMail[]> {
  const wanted = new Set([...addresses].map((address) => address.toLowerCase()));
  const found: SinkMail[] = [];
  for (let start = 0; ; start += PAGE) {
    const response = await fetch(`${stackEndpoints().mailApiUrl}/api/v1/messages?start=${start}&limit=${PAGE}`);
    if (!response.ok) throw new Error(`the mail sink answered ${response.status}`);
    const { messages, total } = (await response.json()) as {
      total: number;
      messages: { To: { Address: string }[]; Subject: string; MessageID: string }[];
    };
    for (const message of messages) {
      for (const to of message.To) {
        const address = to.Address.toLowerCase();
        if (wanted.has(address)) found.push({ to: address, subject: message.Subject, messageId: message.MessageID });
      }
    }
    if (start + PAGE >= total || messages.length === 0) return found;
  }
}
