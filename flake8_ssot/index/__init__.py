"""The project index: every Python file of one project, what it defines and imports.

The public interface; everything else in this package is its inside. Nothing here imports
flake8 or executes the code it reads. ``docs/cache.md`` says how it is kept and revalidated.

* ``discovery``: the project root, the file listing (and when a saved one still holds), reading
  files safely, and the dotted names of a project file;
* ``records``: what the index keeps of a file (``ClassRecord``: name, bases, kind, public
  methods and fields, fallback) and how ``ast`` gives it, with classes and imports in detail
  (``module_facts``); ``ProjectIndex.scanned``/``record``/``records_named`` read the records
  without parsing;
* ``scanner``: the same records from a text scan (how a whole project is listed fast), loaded
  only when a file needs scanning;
* ``store``: the sqlite file, the only module with SQL;
* ``core``: ``ProjectIndex`` and the per-run memo ``project_index``.
"""

from flake8_ssot.index.core import ClassDefinition, ProjectIndex, begin_run, project_index
from flake8_ssot.index.discovery import find_project_root, list_python_files, path_matches
from flake8_ssot.index.records import (KIND_WORDS, KINDS, ClassFacts, ClassRecord, ImportFacts,
                                       ModuleFacts, decode_source, is_public, module_facts,
                                       module_level_classes, parse)

__all__ = [
    "KIND_WORDS", "KINDS", "ClassDefinition", "ClassFacts", "ClassRecord", "ImportFacts",
    "ModuleFacts", "ProjectIndex",
    "begin_run", "decode_source", "find_project_root", "is_public", "list_python_files",
    "module_facts", "module_level_classes", "parse", "path_matches", "project_index",
]
