"""One authenticated API call, as the methods see it: parameters, project, user, formats."""

from __future__ import annotations

from dataclasses import dataclass

from fake_redcap.errors import ReturnFormat
from fake_redcap.messages import Profile
from fake_redcap.model import Project, User
from fake_redcap.params import Params
from fake_redcap.state import Served


@dataclass(frozen=True)
class Call:
    params: Params
    served: Served
    user: User
    return_format: ReturnFormat  # the error envelope (reference §1.2)
    fileinfo: bool = False  # content=fileinfo / filesize, rewritten to content=file (§1.1 #16)
    header_variant: str = "redcap"

    @property
    def project(self) -> Project:
        return self.served.project

    @property
    def profile(self) -> Profile:
        return self.served.profile
