// The SMTP sink's Mailpit-compatible API. Other suites share the sink: read only your own addresses, never
// DELETE (that clears everyone's mail).
import { stackEndpoints, waitFor } from '@kafka-platform/testing';

export interface SinkAddress {
  readonly Name: string;
  readonly Address: string;
}

export interface SinkMessageSummary {
  readonly ID: string;
  readonly MessageID: string;
  readonly From: SinkAddress;
  readonly To: SinkAddress[];
  readonly Subject: string;
}

export interface SinkMessage extends SinkMessageSummary {
  readonly Text: string;
  readonly HTML: string;
}

const api = (path: string) => `${stackEndpoints().mailApiUrl}/api/v1${path}`;

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(api(path));
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** Every message in the sink addressed to `address` (newest first). */
export async function mailsTo(address: string): Promise<SinkMessageSummary[]> {
  const { messages } = await getJson<{ messages: SinkMessageSummary[] }>('/messages?limit=1000');
  const wanted = address.toLowerCase();
  return messages.filter((message) => message.To.some((to) => to.Address.toLowerCase() === wanted));
}

export function mailDetail(id: string): Promise<SinkMessage> {
  return getJson<SinkMessage>(`/message/${encodeURIComponent(id)}`);
}

/** The message as the server received it (headers included). */
export async function mailSource(id: string): Promise<string> {
  const response = await fetch(api(`/message/${encodeURIComponent(id)}/raw`));
  if (!response.ok) throw new Error(`GET raw ${id}: ${response.status}`);
  return response.text();
}

/** Waits until `address` has received `count` mails and returns them. */
export function waitForMails(address: string, count = 1): Promise<SinkMessageSummary[]> {
  return waitFor(`${count} mail(s) to ${address}`, async () => {
    const found = await mailsTo(address);
    return found.length >= count && found;
  });
}
