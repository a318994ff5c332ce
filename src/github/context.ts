/** Where the run is: from the GITHUB_* environment in Actions, or flags and env in the CLI. */
export interface GitHubContext {
  serverUrl: string;
  /** Where the branch destination pushes (default serverUrl): a mirror, another git host, a test server. */
  gitServerUrl?: string;
  apiUrl: string;
  /** owner/name of the workflow's repository. */
  repository: string | undefined;
  runId: string | undefined;
  token: string | undefined;
}
