"""One authenticated API call, as the methods see it: parameters, project, user, formats."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import IO

from fake_redcap.errors import ReturnFormat
from fake_redcap.messages import Profile
from fake_redcap.model import Project, User
from fake_redcap.params import Params
from fake_redcap.responses import HeaderVariant
from fake_redcap.state import FakeState, Served


@dataclass(frozen=True)
class Upload:
    """One entry of PHP's `$_FILES`."""

    filename: str
    stream: IO[bytes]
    error: int = 0  # PHP's UPLOAD_ERR_*: 0 is OK, 4 is "no file" (an empty file name)


@dataclass(frozen=True)
class Call:
    params: Params
    state: FakeState
    served: Served
    user: User
    return_format: ReturnFormat  # the error envelope (reference §1.2)
    action: str = ""  # lower-cased; for content=fileinfo derived, not read (§1.1 #16)
    fileinfo: bool = False  # content=fileinfo / filesize, rewritten to content=file (§1.1 #16)
    header_variant: HeaderVariant = HeaderVariant.REDCAP  # the server's, fixed when the app is made
    uploads: Mapping[str, Upload] = field(default_factory=lambda: MappingProxyType({}))
    max_upload_mb: int = 32

    @property
    def project(self) -> Project:
        return self.served.project

    @property
    def profile(self) -> Profile:
        return self.served.profile
