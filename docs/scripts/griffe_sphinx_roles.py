"""A griffe extension for the API reference: Sphinx roles in docstrings become links.

The docstrings are numpydoc, read by people in ``help()`` as much as on the site, so they keep
the Sphinx cross-reference roles (``:func:`to_numpy```, ``:class:`~nnbackend.Backend```).
mkdocstrings does not know those roles and would print them raw. This extension rewrites each
one, once the package is loaded, into a mkdocstrings cross-reference when the target resolves
to an object that the API reference renders, and into plain code otherwise (a link to a page
that does not exist would fail ``mkdocs build --strict``).

Configured in ``mkdocs.yml`` under the python handler's ``extensions``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`(?P<tilde>~?)(?P<target>[^`]+)`"
)
API_PAGE = Path(__file__).resolve().parents[1] / "reference" / "api.md"
DIRECTIVE = re.compile(r"^::: (?P<module>[\w.]+)\s*$", re.M)


def rendered_modules(page: Path = API_PAGE) -> list[str]:
    """The modules whose members the API reference page renders (``::: module`` lines).

    The top-level package is rendered with ``members: false``, so it links nothing.
    """
    modules = DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    return [m for m in modules if "." in m]


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring of the loaded package."""

    def __init__(self) -> None:
        super().__init__()
        self._modules = rendered_modules()

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Visit every object of the package once it is fully loaded."""
        self._visit(pkg, pkg, seen=set())

    def _visit(self, obj: griffe.Object, pkg: griffe.Module, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(
                lambda m: self._replace(m, obj, pkg), obj.docstring.value
            )
        for member in obj.members.values():
            if not member.is_alias:
                self._visit(member, pkg, seen)  # type: ignore[arg-type]

    def _replace(self, match: re.Match[str], obj: griffe.Object, pkg: griffe.Module) -> str:
        target = match["target"].strip()
        shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
        path = self._resolve(target, obj, pkg)
        return f"[`{shown}`][{path}]" if path else f"`{shown}`"

    def _resolve(self, target: str, obj: griffe.Object, pkg: griffe.Module) -> str | None:
        head, _, rest = target.partition(".")
        if head == pkg.name:
            path = target
        else:
            try:
                path = obj.resolve(head)
            except griffe.NameResolutionError:
                return None
            path = f"{path}.{rest}" if rest else path
        try:
            found = pkg.modules_collection[path]
            if found.is_alias:
                found = found.final_target
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
        return found.path if self._is_rendered(found) else None

    def _is_rendered(self, obj: griffe.Object) -> bool:
        # rendered: a module of the page, or a public member (nested in classes, not in
        # submodules, which the page does not show) of one
        module = obj if obj.is_module else obj.module
        if module.path not in self._modules:
            return False
        inner = obj.path[len(module.path) + 1 :]
        return not any(part.startswith("_") for part in inner.split(".") if part)
