import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** A connection and the response it is writing, if any (Node's own record, read as http-terminator reads it). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * What `server.close()` leaves open, closed as soon as nothing is lost by it. Node's close waits
 * for every connection to end, and ends only those idle after an answer: a connection a browser
 * opened ahead of need and has sent nothing on yet, or one whose answer was still being written,
 * is kept open until the client drops it (a browser keeps one for minutes), and the process
 * waits for it.
 *
 * Returns the function to call once the server begins to close: connections with no request are
 * closed at once, and an answer not yet begun says that its connection closes after it. An
 * answer already under way (a stream) closes its connection when it ends.
 */
export function closeConnectionsWhenDone(server: Server): () => void {
  const sockets = new Set<HttpSocket>();
  server.on("connection", (socket: HttpSocket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return () => {
    for (const socket of sockets) {
      const response = socket._httpMessage;
      if (!response) socket.destroy();
      else if (!response.headersSent) response.setHeader("connection", "close");
      else response.once("finish", () => socket.destroySoon());
    }
  };
}
