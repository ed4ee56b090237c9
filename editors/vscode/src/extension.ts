import { existsSync } from "node:fs";
import { join } from "node:path";
import { workspace, type ExtensionContext } from "vscode";
import { LanguageClient, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/**
 * The `loom` command to run: the setting `loom.server.command`, else the workspace's own
 * node_modules/.bin/loom (a project that depends on loom-webgpu), else `loom` on the PATH.
 */
function loomCommand(): string {
  const configured = workspace.getConfiguration("loom").get<string>("server.command");
  if (configured) return configured;
  for (const folder of workspace.workspaceFolders ?? []) {
    const local = join(folder.uri.fsPath, "node_modules", ".bin", "loom");
    if (existsSync(local)) return local;
  }
  return "loom";
}

/** Starts `loom lsp` (stdio) for .loom files when the first one opens. */
export async function activate(context: ExtensionContext): Promise<void> {
  const command = loomCommand();
  client = new LanguageClient(
    "loom",
    "Loom",
    { command, args: ["lsp"], transport: TransportKind.stdio },
    { documentSelector: [{ scheme: "file", language: "loom" }] },
  );
  context.subscriptions.push(client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
