"""Run, package and deploy SCF functions: ``cloudfn invoke`` / ``package`` / ``deploy``."""
