"""Designer tools with no web framework: checks that list every problem, import rules, dry run, diff, migration."""
