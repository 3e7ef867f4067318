// Server-Sent Events as a client reads them: messages split at blank lines, fields by name.
export interface SseMessage { id?: string; event?: string; data?: string }

/** Feeds text chunks in; calls `onMessage` for every complete message with an event or data. */
export function sseReader(onMessage: (m: SseMessage) => void): (chunk: string) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk;
    let at: number;
    while ((at = buf.indexOf('\n\n')) !== -1) {
      const block = buf.slice(0, at);
      buf = buf.slice(at + 2);
      const m: SseMessage = {};
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) m.id = line.slice(4);
        else if (line.startsWith('event: ')) m.event = line.slice(7);
        else if (line.startsWith('data: ')) m.data = line.slice(6);
      }
      if (m.event || m.data) onMessage(m);
    }
  };
}
