import { spawn, type ChildProcess } from "node:child_process";
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
} from "vscode-languageserver-protocol/node";

/** A language client talking to a spawned `node bin/loom lsp` over its stdin and stdout. */
export class LoomLspClient {
  private readonly diagnostics = new Map<string, Diagnostic[][]>();
  private readonly waiting: (() => void)[] = [];

  private constructor(
    readonly connection: ProtocolConnection,
    private readonly child: ChildProcess,
  ) {
    connection.onNotification(PublishDiagnosticsNotification.type, ({ uri, diagnostics }) => {
      this.diagnostics.set(uri, [...(this.diagnostics.get(uri) ?? []), diagnostics]);
      for (const wake of this.waiting.splice(0)) wake();
    });
  }

  static async start(): Promise<LoomLspClient> {
    const child = spawn(process.execPath, ["bin/loom", "lsp", "--stdio"], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const connection = createProtocolConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    connection.listen();
    const client = new LoomLspClient(connection, child);
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  async open(uri: string, text: string): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "loom", version: 1, text },
    });
  }

  /** The `count`-th set of diagnostics published for `uri` (1-based), waiting for it. */
  async published(uri: string, count = 1): Promise<Diagnostic[]> {
    while ((this.diagnostics.get(uri)?.length ?? 0) < count)
      await new Promise<void>((wake) => this.waiting.push(wake));
    return this.diagnostics.get(uri)![count - 1]!;
  }

  /** Shuts the server down as an editor does; resolves with its exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((done) => this.child.on("exit", done));
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}
