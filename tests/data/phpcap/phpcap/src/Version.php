<?php
#-------------------------------------------------------
# Copyright (C) 2019 The Trustees of Indiana University
# SPDX-License-Identifier: BSD-3-Clause
#-------------------------------------------------------

namespace IU\PHPCap;

/**
 * Class for storing software version information.
 */
class Version
{
    # This release number should be updated each time a release is made.
    # This value will be logged to indicate which version of the
    # software is being used.
    const RELEASE_NUMBER = "1.5.3";
}
