import CRDCABI

/// The ABI every generated library is built against (RDC_ABI_VERSION of templates/rdc_abi.h).
public let abiVersion = Int(RDC_ABI_VERSION)
