; mangotqm per-user installer (NSIS 3, Debian's `nsis` package).
;
; Built by scripts/dist.sh:
;   makensis -DVERSION=0.1.0 -DVIVERSION=0.1.0.1 -DEXE=/abs/mangotqm.exe \
;            -DICON=/abs/mangotqm.ico -DOUTFILE=/abs/..._setup.exe installer.nsi
;
; No administrator rights: it installs to %LOCALAPPDATA%\Programs\mangotqm,
; adds a Start-menu shortcut and an uninstaller (Settings → Apps), and
; optionally the HKCU Run value «Запускать при входе в Windows» (the same
; value the app's own setting writes, app/autostart).
;
; Silent:   setup.exe /S [/NOAUTOSTART] [/D=C:\other\folder]
;           uninstall.exe /S [/DELETEDATA]
; The uninstaller keeps the calls database (%LOCALAPPDATA%\mangotqm) and the
; secrets in Credential Manager unless the user ticks «Удалить базу звонков,
; настройки и ключи» (or passes /DELETEDATA).

Unicode true
Target amd64-unicode          ; 64-bit stub: Debian's Wine is 64-bit only
RequestExecutionLevel user
ManifestDPIAware true
SetCompressor /SOLID lzma

!include MUI2.nsh
!include LogicLib.nsh
!include Sections.nsh
!include FileFunc.nsh

!define APP        "mangotqm"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define RUN_KEY    "Software\Microsoft\Windows\CurrentVersion\Run"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "Software\${APP}" "InstallDir"
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VIVERSION}"
VIAddVersionKey /LANG=0 "ProductName" "${APP}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright" "${APP}"

!define MUI_ICON   "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP}.exe"
!define MUI_FINISHPAGE_RUN_TEXT "$(RunNow)"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "Russian"
!insertmacro MUI_LANGUAGE "English"

LangString SecApp     ${LANG_RUSSIAN} "mangotqm (мост Mango Office → T-Bank TQM)"
LangString SecApp     ${LANG_ENGLISH} "mangotqm (Mango Office → T-Bank TQM bridge)"
LangString SecLogin   ${LANG_RUSSIAN} "Запускать при входе в Windows"
LangString SecLogin   ${LANG_ENGLISH} "Start when I sign in to Windows"
LangString RunNow     ${LANG_RUSSIAN} "Запустить mangotqm"
LangString RunNow     ${LANG_ENGLISH} "Start mangotqm"
LangString UnSecApp   ${LANG_RUSSIAN} "Программа mangotqm"
LangString UnSecApp   ${LANG_ENGLISH} "The mangotqm program"
LangString UnSecData  ${LANG_RUSSIAN} "Удалить базу звонков, настройки и ключи"
LangString UnSecData  ${LANG_ENGLISH} "Delete the calls database, settings and keys"

; ---------------------------------------------------------------- install

Section "$(SecApp)" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  File "/oname=${APP}.exe" "${EXE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${APP}.exe" "" "$INSTDIR\${APP}.exe" 0

  WriteRegStr HKCU "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${APP}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${APP}.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0
SectionEnd

Section "$(SecLogin)" SecAutostart
  ; The same value the app's «Запускать при входе» setting writes.
  WriteRegStr HKCU "${RUN_KEY}" "${APP}" '"$INSTDIR\${APP}.exe"'
SectionEnd

Section "-autostart off"
  ${IfNot} ${SectionIsSelected} ${SecAutostart}
    DeleteRegValue HKCU "${RUN_KEY}" "${APP}"
  ${EndIf}
SectionEnd

Function .onInit
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/NOAUTOSTART" $R1
  ${IfNot} ${Errors}
    !insertmacro UnselectSection ${SecAutostart}
  ${EndIf}
FunctionEnd

; -------------------------------------------------------------- uninstall

!macro DeleteCredential NAME
  System::Call 'advapi32::CredDeleteW(w "${APP}:${NAME}", i 1, i 0) i'
!macroend


Section "un.$(UnSecApp)" UnSecMain
  SectionIn RO
  Delete "$INSTDIR\${APP}.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "${APP}"
  DeleteRegKey HKCU "${UNINST_KEY}"
  DeleteRegKey HKCU "Software\${APP}"
SectionEnd

; Off unless ticked: the database is the office's call log.
Section /o "un.$(UnSecData)" UnSecData
  RMDir /r "$LOCALAPPDATA\${APP}"
  RMDir /r "$LOCALAPPDATA\${APP}-demo"
  RMDir /r "$APPDATA\fyne\ru.mangotqm.bridge"
  ; go-keyring files each secret as the generic credential "mangotqm:<name>".
  !insertmacro DeleteCredential "tqm_key"
  !insertmacro DeleteCredential "ngrok_authtoken"
  !insertmacro DeleteCredential "mango_vpbx_key"
  !insertmacro DeleteCredential "mango_vpbx_salt"
  !insertmacro DeleteCredential "mango_ct_token"
  !insertmacro DeleteCredential "webhook_secret"
SectionEnd

Function un.onInit
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEDATA" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UnSecData}
  ${EndIf}
FunctionEnd
