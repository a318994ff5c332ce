/** --help texts of the CLI; the README's command reference says the same. */
export const HELP: Record<string, string> = {
  main: `supabase-backup <command> [options]

Commands:
  backup    dump projects from the config into checksummed backup sets
  restore   verify a set and apply it to a database in one transaction
  verify    recompute the digests of a set or of every set under a directory
  validate  check the config file and show what it backs up
  plan      list the projects that are due (schedules, last good sets) and a job matrix
  prune     apply each project's retention policy (branch, artifacts, local sets)
  check     fail when a project's newest good set at a destination is older than max_age
  schema    print the config file's JSON Schema
  base-sql  print the Supabase-shaped base SQL that drills load (for test databases)

Run "supabase-backup <command> --help" for a command's options.`,
  backup: `supabase-backup backup --config FILE [--project NAME]... [--only roles,schema,data] [--out DIR] [--json]

  --config FILE       the config (default: backups.config.yaml)
  --project NAME      back up only this project, or a comma-separated list (repeatable;
                      default: all), e.g. a plan matrix entry's projects
  --only PARTS        only these parts, comma-separated: roles,schema,data,storage,
                      functions,settings
  --out DIR           where sets are written as <project>/<set-id>/ (default: backups)
  --pg-bin-dir DIR    look for pg_dump/pg_dumpall/psql here first
  --cli-download-base URL  where to download the Supabase CLI from (a mirror)
  --max-file-size SIZE  split stored files above SIZE into numbered chunks (default 95m,
                      under GitHub's 100 MB file limit; e.g. 50m, 1g)
  --concurrency N     back up N projects at once (default 1)
  --reason TEXT       recorded in the branch commit and catalog entry
  --no-prune          do not apply the retention policy after the backup
  --drill             restore each set into a throwaway local PostgreSQL cluster before it is
                      stored (as the config's drill: true); a failed drill fails the run and
                      the set is not stored
  --identity-file FILE | --identity-env NAME  age identity, for drills of encrypted sets
  --json              print the result as JSON on stdout

Each project's connection URL comes from the environment variable its db_url_secret names.
With GITHUB_EVENT_NAME=schedule only the projects whose schedule is due are backed up (as the
action does); alerts: are sent as the action sends them (issues need GITHUB_TOKEN and
GITHUB_REPOSITORY, else they are skipped with a warning).
Destinations: local (the --out directory) always; branch pushes to GITHUB_SERVER_URL/<repository>
(the project's repository key or GITHUB_REPOSITORY) with GITHUB_TOKEN; artifact needs the
GitHub Actions runtime.`,
  check: `supabase-backup check --config FILE [--out DIR] [--project NAME]... [--json]

For every project (or the named ones) and every destination it is configured with, the age of
the newest good set against the project's max_age (default: twice the longest gap between two
runs of its schedule; 26h without one). Prints one row per project and destination: OK, STALE,
NONE (no good set) or UNREADABLE (the destination cannot be read from here). Exit 1 when any
row is not OK, with one error line per such project; opens or comments on the project's alert
issue (alerts.issues, GITHUB_TOKEN with issues: write) and closes one it opened when fresh again.
  --config FILE   the config (default: backups.config.yaml)
  --project NAME  check only this project, or a comma-separated list (repeatable)
  --out DIR       the local destination's directory (default: backups)
  --at TIME       judge as of this ISO 8601 time instead of now
  --json          print {at, rows: [...], stale: [...]} as JSON on stdout
Destinations are reached as backup and prune reach them (GITHUB_* variables, s3 settings).`,
  prune: `supabase-backup prune --config FILE [--project NAME]... [--out DIR] [--dry-run] [--json]

Applies each project's retention policy to its destinations: removes set folders from the
branch (one commit), deletes artifacts (GITHUB_TOKEN with actions: write), sets in s3 buckets
(a set under object lock, or with s3.write_only, is reported as kept) and local sets under
--out. Failed or incomplete sets never count, and the newest good set is always kept.
  --dry-run   only show what would be removed`,
  restore: `supabase-backup restore (--from SET_DIR|ARTIFACT.zip | --from-branch REPO [--branch NAME]
                          [--project NAME] [--set SET_ID | --latest])
                        (--target-url URL | --target-url-env NAME) [--yes] [--dry-run] [--force]
                        [--parts roles,schema,data] [--tables SCHEMA.TABLE,...]
                        [--identity-file FILE | --identity-env NAME]
       supabase-backup restore (--from ... | --from-branch ...) --parts storage [--config FILE]
                        [--s3-endpoint URL] [--s3-region REGION] [--s3-key-id-env NAME]
                        [--s3-secret-env NAME] [--objects DIR] [--overwrite-objects]
                        [--identity-file FILE | --identity-env NAME] [--yes] [--dry-run]
       supabase-backup restore (--from ... | --from-branch ...) --parts functions[,settings]
                        --target-ref REF --config FILE [--identity-file FILE | --identity-env NAME]
                        [--yes] [--dry-run]

  --from PATH             a set directory (holding backup.json; an extracted artifact is one),
                          or an artifact zip as downloaded from the Actions UI
  --from s3://BUCKET/PREFIX/PROJECT/SET_ID
                          a set in a bucket (the s3 destination); s3://BUCKET/PREFIX/PROJECT
                          with --latest: its newest set. Endpoint and keys from --config (the
                          s3: settings of PROJECT), else the AWS SDK environment (AWS_*,
                          AWS_ENDPOINT_URL_S3); see docs/s3.md
  --from-branch REPO      a backup branch: a repository URL (fetched shallowly, only the chosen
                          set; GITHUB_TOKEN is sent as a header, never in a command line), a
                          local repository, or a checkout of the branch
  --branch NAME           the backup branch (default: supabase-backups)
  --project NAME          the project whose set to restore (needed when the branch has several)
  --set SET_ID            that set, as listed in manifest.json
  --latest                the newest set of the project (the default)
  --target-url URL        the database to restore into (visible to other local users in ps;
                          prefer --target-url-env)
  --target-url-env NAME   read the target URL from this environment variable
  --yes                   apply; without it, restore only shows the plan and refuses
  --dry-run               show the plan and change nothing (does not connect)
  --force                 apply even though the target already holds user tables, or rows in
                          the tables whose data is loaded (appended)
  --parts PARTS           only these parts, comma-separated (default: the set's roles, schema
                          and data; storage only when asked for, in a run of its own)
  --tables LIST           only the data of these tables (schema.table, comma-separated), into
                          tables that exist already; not with the schema part
  --schemas LIST          not supported (refused: see docs/restore.md)
  --pg-bin-dir DIR        look for psql here first
  --identity-file FILE    age identity file (age-keygen output) for encrypted sets
  --identity-env NAME     read the age identity from this environment variable

Storage objects (--parts storage, docs/storage.md):
  --config FILE           the target's S3 settings: the storage: mapping of the set's project
  --s3-endpoint URL       the target S3 endpoint (https://<ref>.supabase.co/storage/v1/s3)
  --s3-region REGION      its region (default: the config's, else us-east-1)
  --s3-key-id-env NAME    the variable holding the target's S3 access key id
  --s3-secret-env NAME    the variable holding the target's S3 secret access key
  --objects DIR           the object area (default: objects/ in the set, else beside it)
  --overwrite-objects     upload every object, even those that look present already

Edge Functions and project settings (--parts functions,settings, docs/management-api.md):
  --target-ref REF        the project to restore into (its 20-letter ref)
  --config FILE           the set's project there gives access_token_secret and api_url
  --dry-run               reads the target (read-only) and prints both plans, settings as a diff

Verifies every digest first (a damaged or incomplete set is refused before the target is
touched); refuses a target that already holds user tables (unless --force); applies roles,
schema and data with psql --single-transaction -v ON_ERROR_STOP=1 (Supabase's documented
procedure), naming the part, line and statement when psql fails; then checks every restored
table's row count against backup.json.`,
  verify: `supabase-backup verify --from DIR [--json]
       supabase-backup verify --from s3://BUCKET/PREFIX/PROJECT[/SET_ID] [--latest] [--config FILE]
       supabase-backup verify --drill --from SET_DIR [--json] [--pg-bin-dir DIR]
                              [--identity-file FILE | --identity-env NAME]

  --from DIR   a set directory, a project directory, a directory of projects, or a checkout
               of the backup branch (then manifest.json is checked against the set folders);
               or an s3:// set, downloaded first (as for restore)
  --json       print the result as JSON on stdout

Exits non-zero when any file is missing, extra, truncated or has another digest, when a
manifest.json entry has no set folder (or differs from its backup.json), or when a set folder
is not listed in manifest.json. Each problem is printed with its path.

  --drill      also restore the set into a throwaway local PostgreSQL cluster (initdb on a
               free port in a temp dir, a Supabase-shaped base, the same code as restore,
               row counts and content digests compared), then stop and remove it; prints the
               outcome and duration.
               Needs the server binaries (initdb, pg_ctl, postgres) of a PostgreSQL at least as
               new as the set's source (else the newest, and the result says it is older).`,
  validate: `supabase-backup validate --config FILE [--base FILE | --base-ref REF] [--workflows DIR]

  --config FILE     the config (default: backups.config.yaml)
  --base FILE       compare with this older config and print the plan (markdown)
  --base-ref REF    compare with the config at this git revision (e.g. origin/main)
  --workflows DIR   check that the workflows here pass every *_secret variable the config
                    names (default: .github/workflows)

Checks the config and prints what each project backs up; needs no secrets. With --base or
--base-ref, prints the plan of what the change adds, removes and changes instead. Secrets a
backup workflow does not pass are warnings (file:line:col), not errors.`,
  plan: `supabase-backup plan --config FILE [--at ISO_TIME] [--project NAME]... [--out DIR]
                     [--max-jobs N] [--json]

  --config FILE     the config (default: backups.config.yaml)
  --at ISO_TIME     decide as of this time (default: now), e.g. 2026-11-22T03:15:00Z
  --project NAME    consider only this project, or a comma-separated list (repeatable;
                    default: all)
  --out DIR         also look for sets here, as <project>/<set-id>/ (default: backups)
  --max-jobs N      at most N matrix entries, 1-256 (default 256, GitHub's limit per matrix)
  --json            print {at, projects, matrix, jobs, decisions} as JSON

Prints the due projects, one per line. A project with a schedule is due when it has no good set
since the schedule's latest time at or before --at; one without is always due; with
GITHUB_EVENT_NAME=workflow_dispatch every project is. Sets are looked up in the backup branch's
manifest.json (GITHUB_REPOSITORY or the project's repository, GITHUB_TOKEN), the workflow
artifacts (GITHUB_TOKEN) and --out. Reads no database secrets.

The matrix has one entry {"project", "projects", "job"} per due project when there are at most
--max-jobs of them; otherwise the due projects are packed into --max-jobs entries
{"projects": "a,b,c", "job": N}, balanced by the duration and size of each project's newest set
(docs/fleets.md).`,
  'base-sql': `supabase-backup base-sql

Prints the SQL a drill loads into its throwaway cluster before restoring a set: what a new
Supabase project's database holds (platform roles, auth/storage/realtime/vault/... schemas and
tables), reduced to what a restore needs. Run it with psql -v ON_ERROR_STOP=1 as a superuser into
a fresh database to get a Supabase-shaped database for tests and demos:
  supabase-backup base-sql | psql -X -v ON_ERROR_STOP=1 -d "$URL"`,
  schema: `supabase-backup schema

Prints the JSON Schema of backups.config.yaml (also shipped as dist/backups.schema.json).`,
};
