"""Provenance and reproducible output: hashes, versions, commits, atomic folders, CSVs.

Every part of the workbench that writes output uses these helpers, so that

* the same inputs and seed give byte-identical tables (:func:`write_csv`),
* a failed or interrupted run never leaves a half-written folder
  (:func:`atomic_dir`), and
* every output can say where it came from (:func:`manifest`): the git commit,
  the hashes of the parameters and data, the seeds and the package versions.

One room per concern; import the names from here:

* :mod:`.hashes` — hashes and versions (:func:`sha256_of_files`,
  :func:`sha256_of_obj`, :func:`tracked_files`, :func:`package_versions`,
  :func:`git_commit`);
* :mod:`.rule` — the output rule (:func:`check_output_target`,
  :func:`previous_output_kind`, :class:`OutputError`);
* :mod:`.atomic` — atomic folders and files (:func:`atomic_dir`,
  :func:`write_file_atomically`);
* :mod:`.processes` — locks and process control (the writer's lock,
  :func:`die_with_parent`, :func:`stop_child_processes`);
* :mod:`.records` — CSVs and manifests (:func:`write_csv`, :func:`manifest`).

Nothing here imports the simulation model; this package sits below everything.
"""

from __future__ import annotations

from .atomic import TMP_MARKER, atomic_dir, completed_outputs, write_file_atomically
from .hashes import DEFAULT_PACKAGES, git_commit, package_versions, sha256_of_files, sha256_of_obj, tracked_files
from .processes import die_with_parent, stop_child_processes
from .records import manifest, note_district_calibration, write_csv
from .rule import MANIFEST_FILE, PRECIOUS_KINDS, TOOL, OutputError, check_output_target, previous_output_kind

__all__ = [
    "DEFAULT_PACKAGES",
    "MANIFEST_FILE",
    "OutputError",
    "PRECIOUS_KINDS",
    "TMP_MARKER",
    "TOOL",
    "atomic_dir",
    "check_output_target",
    "completed_outputs",
    "die_with_parent",
    "git_commit",
    "manifest",
    "note_district_calibration",
    "package_versions",
    "previous_output_kind",
    "sha256_of_files",
    "sha256_of_obj",
    "stop_child_processes",
    "tracked_files",
    "write_csv",
    "write_file_atomically",
]
