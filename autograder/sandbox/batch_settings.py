"""The sandbox settings of one ``grade`` batch: checked once on the coordinator, handed to every worker."""

from pathlib import Path


def batch_overrides(root: Path, config, db_url: str, require: bool) -> tuple:
    """Check the sandbox once for the batch; the ``Sandbox.*`` settings every worker then gets, and the
    sandbox limits that cannot be applied here (``sandbox.unenforced_limits``).

    Raises ``SandboxUnavailable`` if it is required but unusable; warns (once) if it is merely unusable,
    and then turns it off in the workers so that they do not warn again for every kernel. The real
    course's secrets are masked in every kernel too (a worker's own private course is masked by it).
    """
    from sqlalchemy.engine import make_url

    from ..errors import SandboxUnavailable
    from . import Sandbox, check_available, course_secrets, unenforced_limits

    settings = Sandbox(config=config)
    settings.require = bool(require or settings.require)
    sandboxed = check_available(settings)
    # a sandbox limit that cannot be applied here is refused under require, else named in the summary
    missing = unenforced_limits(settings) if sandboxed else []
    if missing and settings.require:
        raise SandboxUnavailable("grading needs the sandbox's limits, but " + "; ".join(missing))
    hidden = list(settings.hidden_paths) + [str(path) for path in course_secrets(root)]
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database:
        hidden.append(str(Path(url.database).resolve()))
    overrides = [("Sandbox.hidden_paths", sorted(set(hidden))), ("Sandbox.require", settings.require)]
    if not sandboxed:
        overrides.append(("Sandbox.enabled", False))
    return tuple(overrides), missing
