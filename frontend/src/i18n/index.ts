import i18n from 'i18next'
import { initReactI18next } from 'react-i18next'
import en from './en'
import ko from './ko'
import { useUiStore } from '../store/ui'

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ko: { translation: ko } },
  lng: useUiStore.getState().language,
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
})

useUiStore.subscribe((s, prev) => {
  if (s.language !== prev.language) void i18n.changeLanguage(s.language)
})

export default i18n
