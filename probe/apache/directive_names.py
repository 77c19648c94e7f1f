"""The directive and section names httpd knows: what tells an Apache configuration from
any other text (:mod:`probe.front_files`).

The list is httpd's own: the names ``apache2 -L`` lists (httpd 2.4.71, Debian) with every
module Debian ships loaded (each MPM in turn) and mod_wsgi 5. httpd compares names without
regard to case: so does the list. A module outside it (mod_security, Passenger, mod_php,
...) has directives this list cannot know: :func:`probe.front_files.require_configuration`
says what it does with a file made of those alone.
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    return frozenset(text.lower().split())


DIRECTIVES = _names("""
    AcceptFilter AcceptPathInfo AccessFileName Action AddAlt AddAltByEncoding AddAltByType
    AddCharset AddDefaultCharset AddDescription AddEncoding AddHandler AddIcon
    AddIconByEncoding AddIconByType AddInputFilter AddLanguage AddModuleInfo AddOutputFilter
    AddOutputFilterByType AddType Alias AliasMatch AliasPreservePath allow AllowCONNECT
    AllowEncodedSlashes AllowMethods AllowOverride AllowOverrideList Anonymous
    Anonymous_LogEmail Anonymous_MustGiveEmail Anonymous_NoUserId Anonymous_VerifyEmail
    AsyncRequestWorkerFactor AuthBasicAuthoritative AuthBasicFake AuthBasicProvider
    AuthBasicUseDigestAlgorithm AuthDBDUserPWQuery AuthDBDUserRealmQuery AuthDBMGroupFile
    AuthDBMType AuthDBMUserFile AuthDigestAlgorithm AuthDigestDomain AuthDigestNcCheck
    AuthDigestNonceLifetime AuthDigestProvider AuthDigestQop AuthDigestShmemSize
    AuthFormAuthoritative AuthFormBody AuthFormDisableNoStore AuthFormFakeBasicAuth
    AuthFormLocation AuthFormLoginRequiredLocation AuthFormLoginSuccessLocation
    AuthFormLogoutLocation AuthFormMethod AuthFormMimetype AuthFormPassword AuthFormProvider
    AuthFormSitePassphrase AuthFormSize AuthFormUsername AuthGroupFile
    AuthLDAPAuthorizePrefix AuthLDAPBindAuthoritative AuthLDAPBindDN AuthLDAPBindPassword
    AuthLDAPCharsetConfig AuthLDAPCompareAsUser AuthLDAPCompareDNOnServer
    AuthLDAPDereferenceAliases AuthLDAPGroupAttribute AuthLDAPGroupAttributeIsDN
    AuthLDAPInitialBindAsUser AuthLDAPInitialBindPattern AuthLDAPMaxSubGroupDepth
    AuthLDAPRemoteUserAttribute AuthLDAPRemoteUserIsDN AuthLDAPSearchAsUser
    AuthLDAPSubGroupAttribute AuthLDAPSubGroupClass AuthLDAPURL AuthMerging AuthName
    AuthnCacheContext AuthnCacheEnable AuthnCacheProvideFor AuthnCacheSOCache
    AuthnCacheTimeout AuthnzFcgiCheckAuthnProvider AuthnzFcgiDefineProvider AuthType
    AuthUserFile AuthzDBDLoginToReferer AuthzDBDQuery AuthzDBDRedirectQuery AuthzDBMType
    AuthzSendForbiddenOnFailure BalancerGrowth BalancerInherit BalancerMember
    BalancerPersist BrotliAlterETag BrotliCompressionMaxInputBlock BrotliCompressionQuality
    BrotliCompressionWindow BrotliFilterNote BrowserMatch BrowserMatchNoCase BufferedLogs
    BufferSize CacheDefaultExpire CacheDetailHeader CacheDirLength CacheDirLevels
    CacheDisable CacheEnable cachefile CacheHeader CacheIgnoreCacheControl
    CacheIgnoreHeaders CacheIgnoreNoLastMod CacheIgnoreQueryString
    CacheIgnoreURLSessionIdentifiers CacheKeyBaseURL CacheLastModifiedFactor CacheLock
    CacheLockMaxAge CacheLockPath CacheMaxExpire CacheMaxFileSize CacheMinExpire
    CacheMinFileSize CacheNegotiatedDocs CacheQuickHandler CacheReadSize CacheReadTime
    CacheRoot CacheSocache CacheSocacheMaxSize CacheSocacheMaxTime CacheSocacheMinTime
    CacheSocacheReadSize CacheSocacheReadTime CacheStaleOnError CacheStoreExpired
    CacheStoreNoStore CacheStorePrivate CaseFilter CaseFilterIn CGIDScriptTimeout
    CGIPassAuth CGIScriptTimeout CGIVar CharsetDefault CharsetOptions CharsetSourceEnc
    CheckBasenameMatch CheckCaseOnly CheckSpelling ChrootDir ContentDigest CookieDomain
    CookieExpires CookieHttpOnly CookieName CookieSameSite CookieSecure CookieStyle
    CookieTracking CoreDumpDirectory CustomLog DAV DAVBasePath DAVDepthInfinity
    DAVGenericLockDB DAVLockDB DAVLockDiscovery DAVMinTimeout DBDExptime DBDInitSQL DBDKeep
    DBDMax DBDMin DBDParams DBDPersist DBDPrepareSQL DBDriver DefaultIcon DefaultLanguage
    DefaultRuntimeDir DefaultType Define DeflateAlterEtag DeflateBufferSize
    DeflateCompressionLevel DeflateFilterNote DeflateInflateLimitRequestBody
    DeflateInflateRatioBurst DeflateInflateRatioLimit DeflateMemLevel DeflateWindowSize deny
    DirectoryCheckHandler DirectoryIndex DirectoryIndexRedirect DirectorySlash DocumentRoot
    DumpIOInput DumpIOOutput EnableMMAP EnableSendfile Error ErrorDocument ErrorLog
    ErrorLogFormat ExpiresActive ExpiresByType ExpiresDefault ExtendedStatus ExtFilterDefine
    ExtFilterOptions FallbackResource FancyIndexing FileETag FilterChain FilterDeclare
    FilterProtocol FilterProvider FilterTrace FlushMaxPipelined FlushMaxThreshold
    ForceLanguagePriority ForceType ForensicLog GlobalLog GracefulShutdownTimeout Group
    H2CopyFiles H2Direct H2EarlyHint H2EarlyHints H2MaxDataFrameLen H2MaxHeaderBlockLen
    H2MaxSessionStreams H2MaxStreamErrors H2MaxWorkerIdleSeconds H2MaxWorkers H2MinWorkers
    H2ModernTLSOnly H2OutputBuffering H2Padding H2ProxyRequests H2Push H2PushDiarySize
    H2PushPriority H2PushResource H2SerializeHeaders H2SessionExtraFiles H2StreamMaxMemSize
    H2StreamTimeout H2TLSCoolDownSecs H2TLSWarmUpSize H2Upgrade H2WebSockets H2WindowSize
    Header HeaderName HeartbeatAddress HeartbeatListen HeartbeatMaxServers HeartbeatStorage
    HostnameLookups HttpProtocolOptions IdentityCheck IdentityCheckTimeout ImapBase
    ImapDefault ImapMenu Include IncludeOptional IndexHeadInsert IndexIgnore
    IndexIgnoreReset IndexOptions IndexOrderDefault IndexStyleSheet InputSed KeepAlive
    KeepAliveTimeout KeptBodySize LanguagePriority LDAPCacheEntries LDAPCacheTTL
    LDAPConnectionPoolTTL LDAPConnectionTimeout LDAPLibraryDebug LDAPOpCacheEntries
    LDAPOpCacheTTL LDAPReferralHopLimit LDAPReferrals LDAPRetries LDAPRetryDelay
    LDAPSharedCacheFile LDAPSharedCacheSize LDAPTimeout LDAPTrustedClientCert
    LDAPTrustedGlobalCert LDAPTrustedMode LDAPVerifyServerCert LimitInternalRecursion
    LimitRequestBody LimitRequestFields LimitRequestFieldsize LimitRequestLine
    LimitXMLRequestBody Listen ListenBacklog ListenCoresBucketsRatio ListenTCPDeferAccept
    LoadFile LoadModule LogFormat LogIOTrackTTFB LogLevel LogMessage LuaAuthzProvider
    LuaCodeCache LuaHookAccessChecker LuaHookAuthChecker LuaHookCheckUserID LuaHookFixups
    LuaHookInsertFilter LuaHookLog LuaHookMapToStorage LuaHookPreTranslateName
    LuaHookTranslateName LuaHookTypeChecker LuaInherit LuaInputFilter LuaMapHandler
    LuaOutputFilter LuaPackageCPath LuaPackagePath LuaQuickHandler LuaRoot LuaScope
    Lua_____ByteCodeHack MacroIgnoreBadNesting MacroIgnoreEmptyArgs MaxClients
    MaxConnectionsPerChild MaxKeepAliveRequests MaxMemFree MaxRangeOverlaps
    MaxRangeReversals MaxRanges MaxRequestsPerChild MaxRequestWorkers MaxSpareServers
    MaxSpareThreads MDActivationDelay MDBaseServer MDCACertificateFile MDCAChallenges
    MDCertificateAgreement MDCertificateAuthority MDCertificateCheck MDCertificateFile
    MDCertificateKeyFile MDCertificateProtocol MDCertificateStatus MDChallengeDns01
    MDChallengeDns01Version MDCheckInterval MDContactEmail MDDriveMode
    MDExternalAccountBinding MDHttpProxy MDHttpProxyCACertificateFile MDInitialDelay
    MDMatchNames MDMember MDMembers MDMessageCmd MDMustStaple MDNotifyCmd MDomain MDPortMap
    MDPrivateKeys MDProfile MDProfileMandatory MDRenewMode MDRenewViaARI MDRenewWindow
    MDRequireHttps MDRetryDelay MDRetryFailover MDServerStatus MDStapleOthers MDStapling
    MDStaplingKeepResponse MDStaplingRenewWindow MDStoreDir MDStoreLocks MDWarnWindow
    MemcacheConnTTL MergeSlashes MergeTrailers MetaDir MetaFiles MetaSuffix MimeMagicFile
    MinSpareServers MinSpareThreads mmapfile ModemStandard ModMimeUsePathInfo
    MultiviewsMatch Mutex NameVirtualHost NoProxy Options order OutputSed PassEnv PidFile
    Port Protocol ProtocolEcho Protocols ProtocolsHonorOrder Proxy100Continue
    ProxyAddHeaders ProxyBadHeader ProxyBlock ProxyDomain ProxyErrorOverride
    ProxyExpressDBMFile ProxyExpressDBMType ProxyExpressEnable ProxyFCGIBackendType
    ProxyFCGISetEnvIf ProxyFtpDirCharset ProxyFtpEscapeWildcards ProxyFtpListOnWildcard
    ProxyHCExpr ProxyHCTemplate ProxyHCTPsize ProxyHTMLBufSize ProxyHTMLCharsetOut
    ProxyHTMLDoctype ProxyHTMLEnable ProxyHTMLEvents ProxyHTMLExtended ProxyHTMLFixups
    ProxyHTMLInterp ProxyHTMLLinks ProxyHTMLMeta ProxyHTMLStripComments ProxyHTMLURLMap
    ProxyIOBufferSize ProxyMaxForwards ProxyPass ProxyPassInherit ProxyPassInterpolateEnv
    ProxyPassMatch ProxyPassReverse ProxyPassReverseCookieDomain ProxyPassReverseCookiePath
    ProxyPreserveHost ProxyReceiveBufferSize ProxyRemote ProxyRemoteMatch ProxyRequests
    ProxySCGIInternalRedirect ProxySCGISendfile ProxySet ProxySourceAddress ProxyStatus
    ProxyTimeout ProxyVia ProxyWebsocketFallbackToProxyHttp QualifyRedirectURL
    ReadBufferSize ReadmeName ReceiveBufferSize Redirect RedirectMatch RedirectPermanent
    RedirectRelative RedirectTemp RedisConnPoolTTL RedisTimeout ReflectorHeader
    RegexDefaultOptions RegisterHttpMethod RemoteIPHeader RemoteIPInternalProxy
    RemoteIPInternalProxyList RemoteIPProxiesHeader RemoteIPProxyProtocol
    RemoteIPProxyProtocolExceptions RemoteIPTrustedProxy RemoteIPTrustedProxyList
    RemoveCharset RemoveEncoding RemoveHandler RemoveInputFilter RemoveLanguage
    RemoveOutputFilter RemoveType RequestHeader RequestReadTimeout Require RewriteBase
    RewriteCond RewriteEngine RewriteMap RewriteOptions RewriteRule RLimitCPU RLimitMEM
    RLimitNPROC Satisfy ScoreBoardFile Script ScriptAlias ScriptAliasMatch ScriptLog
    ScriptLogBuffer ScriptLogLength ScriptSock SeeRequestTail SendBufferSize ServerAdmin
    ServerAlias ServerLimit ServerName ServerPath ServerRoot ServerSignature ServerTokens
    Session SessionCookieName SessionCookieName2 SessionCookieRemove SessionCryptoCipher
    SessionCryptoDriver SessionCryptoPassphrase SessionCryptoPassphraseFile
    SessionDBDCookieName SessionDBDCookieName2 SessionDBDCookieRemove SessionDBDDeleteLabel
    SessionDBDInsertLabel SessionDBDPerUser SessionDBDSelectLabel SessionDBDUpdateLabel
    SessionEnv SessionExclude SessionExpiryUpdateInterval SessionHeader SessionInclude
    SessionMaxAge SetEnv SetEnvIf SetEnvIfExpr SetEnvIfNoCase SetHandler SetInputFilter
    SetOutputFilter SSIEndTag SSIErrorMsg SSIEtag SSILastModified SSILegacyExprParser
    SSIStartTag SSITimeFormat SSIUndefinedEcho SSLCACertificateFile SSLCACertificatePath
    SSLCADNRequestFile SSLCADNRequestPath SSLCARevocationCheck SSLCARevocationFile
    SSLCARevocationPath SSLCertificateChainFile SSLCertificateFile SSLCertificateKeyFile
    SSLCipherSuite SSLCompression SSLCryptoDevice SSLEngine SSLFIPS SSLHonorCipherOrder
    SSLInsecureRenegotiation SSLLog SSLLogLevel SSLOCSPDefaultResponder SSLOCSPEnable
    SSLOCSPNoVerify SSLOCSPOverrideResponder SSLOCSPProxyURL SSLOCSPResponderCertificateFile
    SSLOCSPResponderTimeout SSLOCSPResponseMaxAge SSLOCSPResponseTimeSkew
    SSLOCSPUseRequestNonce SSLOpenSSLConfCmd SSLOptions SSLPassPhraseDialog SSLProtocol
    SSLProxyCACertificateFile SSLProxyCACertificatePath SSLProxyCARevocationCheck
    SSLProxyCARevocationFile SSLProxyCARevocationPath SSLProxyCheckPeerCN
    SSLProxyCheckPeerExpire SSLProxyCheckPeerName SSLProxyCipherSuite SSLProxyEngine
    SSLProxyMachineCertificateChainFile SSLProxyMachineCertificateFile
    SSLProxyMachineCertificatePath SSLProxyProtocol SSLProxyVerify SSLProxyVerifyDepth
    SSLRandomSeed SSLRenegBufferSize SSLRequire SSLRequireSSL SSLSessionCache
    SSLSessionCacheTimeout SSLSessionTicketKeyFile SSLSessionTickets SSLSRPUnknownUserSeed
    SSLSRPVerifierFile SSLStaplingCache SSLStaplingErrorCacheTimeout SSLStaplingFakeTryLater
    SSLStaplingForceURL SSLStaplingResponderTimeout SSLStaplingResponseMaxAge
    SSLStaplingResponseTimeSkew SSLStaplingReturnResponderErrors
    SSLStaplingStandardCacheTimeout SSLStrictSNIVHostCheck SSLUserName SSLUseStapling
    SSLVerifyClient SSLVerifyDepth SSLVHostSNIPolicy StartServers StrictHostCheck Substitute
    SubstituteInheritBefore SubstituteMaxLineLength Suexec SuexecUserGroup ThreadLimit
    ThreadsPerChild ThreadStackSize Timeout TraceEnable TransferLog TypesConfig UnDefine
    UndefMacro UnsetEnv Use UseCanonicalName UseCanonicalPhysicalPort User UserDir
    VirtualDocumentRoot VirtualDocumentRootIP VirtualScriptAlias VirtualScriptAliasIP
    WatchdogInterval WSGIAcceptMutex WSGIAccessScript WSGIApplicationGroup
    WSGIAuthGroupScript WSGIAuthUserScript WSGICallableObject WSGICaseSensitivity
    WSGIChunkedRequest WSGIDaemonProcess WSGIDestroyInterpreter WSGIDispatchScript
    WSGIDontWriteBytecode WSGIEnableSendfile WSGIErrorOverride WSGIFreeThreading
    WSGIGroupAuthoritative WSGIHandlerScript WSGIIgnoreActivity WSGIImportScript
    WSGIMapHEADToGET WSGIPassApacheRequest WSGIPassAuthorization WSGIPerInterpreterGIL
    WSGIProcessGroup WSGIPythonEggs WSGIPythonHashSeed WSGIPythonHome WSGIPythonOptimize
    WSGIPythonPath WSGIPythonWarnings WSGIRestrictEmbedded WSGIRestrictProcess
    WSGIRestrictSignal WSGIRestrictStdin WSGIRestrictStdout WSGIScriptAlias
    WSGIScriptAliasMatch WSGIScriptReloading WSGIServerMetrics WSGISlowRequests
    WSGISocketPrefix WSGISocketRotation WSGISwitchInterval WSGITelemetryOptions
    WSGITelemetryService WSGITrustedProxies WSGITrustedProxyHeaders WSGIVerboseDebugging
    XBitHack xml2EncAlias xml2EncDefault xml2StartParse
""")

SECTIONS = _names("""
    AuthnProviderAlias AuthzProviderAlias Directory DirectoryMatch Else ElseIf Files
    FilesMatch If IfDefine IfDirective IfFile IfModule IfSection IfVersion Limit LimitExcept
    Location LocationMatch LuaHookAccessChecker LuaHookAuthChecker LuaHookCheckUserID
    LuaHookFixups LuaHookMapToStorage LuaHookPreTranslateName LuaHookTranslateName
    LuaHookTypeChecker LuaQuickHandler Macro MDomain MDomainSet Proxy ProxyMatch RequireAll
    RequireAny RequireNone VirtualHost WSGIInterpreterOptions
""")
"""Names httpd reads as ``<Name ...>`` ... ``</Name>``."""
